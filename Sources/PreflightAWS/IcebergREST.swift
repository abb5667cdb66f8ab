import PreflightCore
import PreflightHTTP

/// The Iceberg REST catalog protocol's pieces a ping needs: the OAuth client-credentials exchange,
/// `GET /v1/config` and `GET /v1/{prefix}/namespaces`, with their answers and errors. Pure.
public enum IcebergREST {
    /// The form body of the client-credentials exchange.
    public static func tokenRequest(path: String, clientID: String, clientSecret: String, scope: String) -> HTTPRequest
    {
        HTTPRequest.form(
            "POST", path,
            [
                ("grant_type", "client_credentials"), ("client_id", clientID), ("client_secret", clientSecret),
                ("scope", scope),
            ])
    }

    /// `/v1/config` with the warehouse, if any.
    public static func configPath(warehouse: String?) -> String {
        guard let warehouse else { return "/v1/config" }
        return "/v1/config?warehouse=" + FormEncoding.percentEncode(warehouse)
    }

    /// `/v1/{prefix}/namespaces` (without a prefix: `/v1/namespaces`).
    public static func namespacesPath(prefix: String?) -> String {
        guard let prefix, !prefix.isEmpty else { return "/v1/namespaces" }
        let encoded = prefix.split(separator: "/").map { FormEncoding.percentEncode(String($0)) }.joined(separator: "/")
        return "/v1/\(encoded)/namespaces"
    }

    /// `/v1/{prefix}/namespaces/{namespace}`: the levels joined by `separator` (by default the unit
    /// separator 0x1F), percent-encoded as one segment.
    public static func namespacePath(prefix: String?, namespace: [String], separator: String = "\u{1F}") -> String {
        namespacesPath(prefix: prefix) + "/" + FormEncoding.percentEncode(namespace.joined(separator: separator))
    }

    /// `/v1/{prefix}/namespaces/{namespace}/tables/{table}`.
    public static func tablePath(prefix: String?, namespace: [String], separator: String = "\u{1F}", table: String)
        -> String
    {
        namespacePath(prefix: prefix, namespace: namespace, separator: separator) + "/tables/"
            + FormEncoding.percentEncode(table)
    }

    /// The endpoints (as `/v1/config` lists them) a destination needs: create a table and commit to it.
    public static let writeEndpoints = [
        "POST /v1/{prefix}/namespaces/{namespace}/tables",
        "POST /v1/{prefix}/namespaces/{namespace}/tables/{table}",
    ]

    /// A CreateTableRequest for an empty table with one optional `long` column; `stage` asks for a
    /// staged create, which the catalog authorizes but does not commit.
    public static func createTable(prefix: String?, namespace: [String], separator: String, name: String, stage: Bool)
        -> HTTPRequest
    {
        let column: JSONValue = .object([
            "id": .number(1), "name": .string("id"), "required": .bool(false), "type": .string("long"),
        ])
        let schema: JSONValue = .object([
            "type": .string("struct"), "schema-id": .number(0), "fields": .array([column]),
        ])
        return HTTPRequest.json(
            "POST", namespacePath(prefix: prefix, namespace: namespace, separator: separator) + "/tables",
            .object(["name": .string(name), "schema": schema, "stage-create": .bool(stage)]))
    }

    /// An error as a catalog or token endpoint reports it: Iceberg's `{"error": {"message", "type", "code"}}`
    /// or OAuth's `{"error": "invalid_client", "error_description": ...}`.
    public struct ErrorBody: Sendable, Equatable, CustomStringConvertible {
        public var type: String
        public var message: String?
        public var description: String { message.map { "\(type): \($0)" } ?? type }

        public init(type: String, message: String? = nil) {
            self.type = type
            self.message = message
        }
    }

    /// The error in a body, or nil when it carries neither shape.
    public static func parseError(_ body: [UInt8]) -> ErrorBody? {
        guard let json = JSONValue.parse(body) else { return nil }
        if let object = json["error"], object.objectValue != nil {
            let type = object["type"]?.stringValue ?? object["code"]?.intValue.map { "HTTP \($0)" } ?? "error"
            return ErrorBody(type: type, message: object["message"]?.stringValue.map { PeerText.quote($0) })
        }
        if let code = json["error"]?.stringValue {
            return ErrorBody(type: code, message: json["error_description"]?.stringValue.map { PeerText.quote($0) })
        }
        return nil
    }

    /// What the token endpoint's failure means.
    public static func tokenFailure(status: Int, error: ErrorBody?, clientID: String, endpoint: String) -> ProbeFailure
    {
        let said = error.map { " (\($0.description))" } ?? ""
        let generic = HTTPStatusCategory(status: status)
        switch (generic?.category, error?.type) {
        case (_, "invalid_client"), (_, "invalid_grant"), (.auth?, _):
            return ProbeFailure(
                .auth, "the token endpoint \(endpoint) refused client \(clientID)\(said)",
                hint: "check sharedConfig.credential (CLIENT_ID:CLIENT_SECRET); the secret may have been rotated")
        case (.permission?, _), (_, "unauthorized_client"):
            return ProbeFailure(
                .permission, "client \(clientID) may not use the client-credentials grant at \(endpoint)\(said)",
                hint: "allow the client-credentials grant for this client, or check its principal roles")
        case (_, "invalid_scope"):
            return ProbeFailure(
                .invalidConfig, "the token endpoint \(endpoint) refused the scope\(said)",
                hint: "set sharedConfig.scope to a scope the catalog grants (the default is PRINCIPAL_ROLE:ALL)")
        case (.databaseNotFound?, _),
            _ where status == 405:
            return ProbeFailure(
                .invalidConfig, "there is no OAuth token endpoint at \(endpoint) (HTTP \(status))\(said)",
                hint: "set sharedConfig.authURI to the catalog's token URL (by default <uri>/v1/oauth/tokens)")
        default:
            if let generic, generic.transient {
                return generic.failure("the token endpoint \(endpoint) answered HTTP \(status)\(said)")
            }
            return ProbeFailure(
                .auth, "the token endpoint \(endpoint) refused the exchange with HTTP \(status)\(said)",
                hint: "check sharedConfig.credential and sharedConfig.scope")
        }
    }

    /// What a catalog call's failure means (`what` names the call: "the catalog config").
    public static func catalogFailure(
        status: Int, error: ErrorBody?, what: String, endpoint: String, warehouse: String?, authKind: String
    ) -> ProbeFailure {
        let said = error.map { " (\($0.description))" } ?? ""
        let mentionsWarehouse =
            (error?.message?.lowercased().contains("warehouse") ?? false)
            || (error?.type.lowercased().contains("warehouse") ?? false)
        switch status {
        case 419:
            return ProbeFailure(
                .auth, "the catalog at \(endpoint) says \(authKind) has expired\(said)",
                hint: "use sharedConfig.credential so a fresh token is obtained for each ping")
        case 400 where warehouse != nil && mentionsWarehouse, 404 where warehouse != nil && mentionsWarehouse:
            return ProbeFailure(
                .databaseNotFound, "warehouse \(warehouse ?? "") was not found at \(endpoint)\(said)",
                hint: "check sharedConfig.warehouse (the catalog's name for it)")
        case 404:
            if let warehouse,
                error?.type.contains("NoSuchWarehouse") == true || error?.type.contains("NotFound") == true
            {
                return ProbeFailure(
                    .databaseNotFound, "\(what) for warehouse \(warehouse) was not found at \(endpoint)\(said)",
                    hint: "check sharedConfig.warehouse and sharedConfig.prefix")
            }
            return ProbeFailure(
                .invalidConfig, "there is no Iceberg REST catalog at \(endpoint) (HTTP 404 for \(what))",
                hint: "sharedConfig.uri must be the catalog's base URL, the part before /v1/config")
        default: break
        }
        switch HTTPStatusCategory(status: status) {
        case let generic? where generic.category == .auth:
            return ProbeFailure(
                .auth, "the catalog at \(endpoint) refused \(authKind) when reading \(what)\(said)",
                hint: "check sharedConfig.token or sharedConfig.credential")
        case let generic? where generic.category == .permission:
            return ProbeFailure(
                .permission, "\(authKind) may not read \(what) at \(endpoint)\(said)",
                hint: "grant the principal access to the catalog\(warehouse.map { " and warehouse \($0)" } ?? "")")
        case let generic? where generic.transient:
            return generic.failure("the catalog at \(endpoint) answered HTTP \(status)\(said)")
        default:
            return ProbeFailure(.invalidConfig, "the catalog at \(endpoint) refused \(what) with HTTP \(status)\(said)")
        }
    }
}
