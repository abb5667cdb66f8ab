import Foundation
import PreflightCore
import PreflightHTTP
import PreflightNetwork

/// Iceberg REST: the client-credentials exchange when `credential` is set (`oauth_token`), then the
/// catalog's config (`catalog_config`) and its namespaces (`list_namespaces`), all read-only.
struct IcebergRESTChecks {
    let client: AWSClient
    let config: IcebergRESTConfig

    func run() async throws(ProbeFailure) {
        var bearer: String?
        var authKind = "anonymous access"
        switch config.auth {
        case .none:
            break
        case .token(let token):
            client.remember(secret: token)
            bearer = token
            authKind = "the token"
        case .clientCredentials(let clientID, let clientSecret, let tokenEndpoint, let tokenPath, let scope):
            client.remember(secret: clientSecret)
            bearer = try await exchange(
                clientID: clientID, clientSecret: clientSecret, endpoint: tokenEndpoint, path: tokenPath, scope: scope)
            authKind = "the token issued to client \(clientID)"
        }
        let catalog = try await catalogConfig(bearer: bearer, authKind: authKind)
        try await listNamespaces(prefix: catalog.prefix, bearer: bearer, authKind: authKind)
        // Iceberg is only ever a destination.
        try await destination(catalog, bearer: bearer, authKind: authKind)
    }

    /// What `/v1/config` said: the prefix later calls use (the catalog's override, else `prefix`), the
    /// endpoints it advertises (nil when it lists none: the spec's defaults), and its namespace separator.
    struct CatalogInfo: Sendable {
        var prefix: String?
        var endpoints: [String]?
        var separator: String
    }

    private func headers(_ bearer: String?) -> [HTTPField] {
        bearer.map { [HTTPField("Authorization", "Bearer \($0)")] } ?? []
    }

    func exchange(clientID: String, clientSecret: String, endpoint: HTTPEndpoint, path: String, scope: String)
        async throws(ProbeFailure) -> String
    {
        // Its own connection (and token_dns/token_connect/token_tls steps) unless it is the catalog's.
        let label = endpoint == config.catalog ? nil : "token"
        let shown = "\(endpoint)\(path)"
        let request = IcebergREST.tokenRequest(path: path, clientID: clientID, clientSecret: clientSecret, scope: scope)
        let client = self.client
        return try await client.send(
            request, to: endpoint, label: label, step: .oauthToken,
            activity: "exchanging client \(clientID)'s credentials for a token at \(shown)"
        ) { response, outcome throws(ProbeFailure) in
            if response.looksLikeHTML {
                throw ProbeFailure(
                    .protocolMismatch,
                    "\(shown) answered \(response.statusLine) with an HTML page, not an OAuth token endpoint",
                    hint: "check sharedConfig.authURI (by default <uri>/v1/oauth/tokens)")
            }
            guard response.isSuccess else {
                throw IcebergREST.tokenFailure(
                    status: response.status, error: IcebergREST.parseError(response.body),
                    clientID: clientID, endpoint: shown)
            }
            guard let json = response.json(), let token = json["access_token"]?.stringValue, !token.isEmpty else {
                throw ProbeFailure(
                    .protocolMismatch, "\(shown) answered \(response.statusLine) without an access_token",
                    hint: "check sharedConfig.authURI: it must be the catalog's OAuth token URL")
            }
            client.remember(secret: token)
            var detail = "token issued to client \(clientID)"
            if let seconds = json["expires_in"]?.intValue { detail += ", valid for \(seconds) s" }
            if let granted = json["scope"]?.stringValue { detail += ", scope \(PeerText.quote(granted, limit: 80))" }
            outcome.detail = detail
            return token
        }
    }

    /// Reads `/v1/config`.
    func catalogConfig(bearer: String?, authKind: String) async throws(ProbeFailure) -> CatalogInfo {
        let endpoint = config.catalog
        let warehouse = config.warehouse
        let configured = config.prefix
        let request = HTTPRequest("GET", IcebergREST.configPath(warehouse: warehouse), headers: headers(bearer))
        return try await client.send(
            request, to: endpoint, label: nil, step: .catalogConfig,
            activity: "reading the catalog's config at \(endpoint)/v1/config"
        ) { response, outcome throws(ProbeFailure) -> CatalogInfo in
            guard response.isSuccess else {
                // Without an Iceberg error, only a status with a generic meaning (HTTPStatusCategory) says anything.
                if response.looksLikeHTML
                    || (IcebergREST.parseError(response.body) == nil
                        && HTTPStatusCategory(status: response.status) == nil)
                {
                    throw ProbeFailure(
                        .protocolMismatch,
                        "\(endpoint) answered \(response.statusLine) with \(response.looksLikeHTML ? "an HTML page" : "something that is not an Iceberg error"), not an Iceberg REST catalog",
                        hint: "sharedConfig.uri must be the catalog's base URL, the part before /v1/config")
                }
                throw IcebergREST.catalogFailure(
                    status: response.status, error: IcebergREST.parseError(response.body),
                    what: "the catalog config", endpoint: endpoint.description, warehouse: warehouse, authKind: authKind
                )
            }
            guard let json = response.json(), json.objectValue != nil,
                json["defaults"]?.objectValue != nil || json["overrides"]?.objectValue != nil
            else {
                throw ProbeFailure(
                    .protocolMismatch,
                    "\(endpoint)/v1/config answered \(response.statusLine) but not with an Iceberg catalog config",
                    hint: "sharedConfig.uri must be the catalog's base URL, the part before /v1/config")
            }
            let prefix = json["overrides"]?["prefix"]?.stringValue ?? configured
            var detail = "catalog at \(endpoint) answered its config"
            if let warehouse { detail += " for warehouse \(warehouse)" }
            if let prefix { detail += ", prefix \(prefix)" }
            outcome.detail = detail
            let endpoints = json["endpoints"]?.arrayValue?.compactMap(\.stringValue).prefix(500)
            let separator =
                (json["overrides"]?["namespace-separator"]?.stringValue
                ?? json["defaults"]?["namespace-separator"]?.stringValue)
                .flatMap { $0.removingPercentEncoding }.flatMap { $0.isEmpty || $0.count > 4 ? nil : $0 } ?? "\u{1F}"
            return CatalogInfo(prefix: prefix, endpoints: endpoints.map(Array.init), separator: separator)
        }
    }

    func listNamespaces(prefix: String?, bearer: String?, authKind: String) async throws(ProbeFailure) {
        let endpoint = config.catalog
        let warehouse = config.warehouse
        let path = IcebergREST.namespacesPath(prefix: prefix)
        let request = HTTPRequest("GET", path, headers: headers(bearer))
        try await client.send(
            request, to: endpoint, label: nil, step: .listNamespaces,
            activity: "listing the catalog's namespaces"
        ) { response, outcome throws(ProbeFailure) in
            guard response.isSuccess else {
                throw IcebergREST.catalogFailure(
                    status: response.status, error: IcebergREST.parseError(response.body),
                    what: "the namespaces (\(path))", endpoint: endpoint.description, warehouse: warehouse,
                    authKind: authKind)
            }
            guard let namespaces = response.json()?["namespaces"]?.arrayValue else {
                throw ProbeFailure(
                    .protocolMismatch,
                    "\(endpoint)\(path) answered \(response.statusLine) but not with a namespace list")
            }
            outcome.detail = "\(namespaces.count) namespace\(namespaces.count == 1 ? "" : "s") visible"
        }
    }
}
