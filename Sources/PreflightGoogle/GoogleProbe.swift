import Foundation
import PreflightCore
import PreflightHTTP
import PreflightNetwork

/// A ping of a Google Cloud destination: the service account's signed JWT is exchanged for an access
/// token (`oauth_token`, on the token host: `token_dns`, `token_connect`, `token_tls`), then read-only
/// calls on the API host: for bigquery `list_datasets`, `dataset` (when named) and `query_permission` (a
/// dry run, which runs nothing); for gcs `list_buckets` and `bucket_permissions` (when a bucket is named).
/// Nothing is created or changed.
struct GoogleProbe: Probe {
    let config: GoogleConfig

    var target: PingTarget { PingTarget(host: config.api.host, port: config.api.port) }

    func run(in context: ProbeContext) async throws(ProbeFailure) {
        let client = HTTPClient(context: context)
        defer { client.close() }
        let token = try await accessToken(client, context: context)
        let session = GoogleSession(
            client: client, context: context, token: token,
            target: HTTPTarget(config.api, rootCertificatesPEM: config.rootCertificatesPEM), config: config)
        try await client.connect(session.target)
        switch config.type {
        case .gcs: try await session.checkStorage()
        default: try await session.checkBigQuery()
        }
    }

    /// Signs the assertion and exchanges it at the token endpoint.
    func accessToken(_ client: HTTPClient, context: ProbeContext) async throws(ProbeFailure) -> GoogleAccessToken {
        let target = HTTPTarget(
            config.token.with(basePath: ""), rootCertificatesPEM: config.rootCertificatesPEM, label: "oauth_token")
        try await client.connect(target)
        let account = config.account
        let scope = GoogleAssertion.scope(for: config.type, writeTest: config.writeTest)
        let issuedAt = Int(context.wallClock().timeIntervalSince1970)
        let assertion = try GoogleAssertion.make(
            for: account, scope: scope, audience: config.tokenURL, issuedAt: issuedAt)
        context.rememberSecret(assertion)
        let path = config.token.basePath.isEmpty ? "/" : config.token.basePath
        let request = HTTPRequest.form(
            "POST", path, GoogleAssertion.formFields(assertion: assertion),
            headers: [HTTPField("Accept", "application/json")])
        let facts = GoogleTokenResponse.Request(
            email: account.clientEmail, keyID: account.privateKeyID,
            tokenURL: config.tokenURL, issuedAt: issuedAt, secrets: [assertion])
        let host = config.token.hostHeader
        return try await context.step(
            .oauthToken, "exchanging a JWT signed by \(account.clientEmail) for an access token at \(host)",
            timeoutHint: "\(host) accepted the connection but did not answer the token request in time"
        ) { outcome in
            let response = try await client.exchange(request, with: target)
            let token = try GoogleTokenResponse.interpret(
                status: response.status, statusLine: response.statusLine, body: response.body, request: facts
            ).get()
            context.rememberSecret(token.value)
            var detail =
                "\(account.clientEmail) (key \(account.privateKeyID.prefix(12))) got a \(Self.scopeName(scope)) access token"
            if let expiresIn = token.expiresIn { detail += " valid for \(expiresIn) s" }
            outcome.detail = detail
            return token
        }
    }

    /// "bigquery" from the (first) scope's URL.
    static func scopeName(_ scope: String) -> String {
        let first = scope.split(separator: " ").first.map(String.init) ?? scope
        return first.split(separator: "/").last.map(String.init) ?? first
    }
}

/// The API calls of one ping, with the access token. Failures never carry the token.
struct GoogleSession: Sendable {
    let client: HTTPClient
    let context: ProbeContext
    let token: GoogleAccessToken
    let target: HTTPTarget
    let config: GoogleConfig

    var email: String { config.account.clientEmail }
    var project: String { config.projectID }

    /// GETs `path` (with query) and returns its JSON, or throws the failure `call` maps a non-2xx answer to.
    func get(_ path: String, call: GoogleCall) async throws(ProbeFailure) -> JSONValue {
        var call = call
        call.secrets.append(token.value)
        let request = HTTPRequest(
            "GET", path,
            headers: [HTTPField("Authorization", "Bearer \(token.value)"), HTTPField("Accept", "application/json")])
        return try await json(client.exchange(request, with: target), call: call)
    }

    /// The JSON of a 2xx answer, or the failure `call` maps the answer to.
    private func json(_ response: HTTPResponse, call: GoogleCall) throws(ProbeFailure) -> JSONValue {
        guard response.isSuccess else {
            throw call.failure(status: response.status, statusLine: response.statusLine, body: response.body)
        }
        guard let json = response.json() else {
            throw ProbeFailure(
                .protocolMismatch, "\(call.what): \(response.statusLine) with a body that is not JSON",
                hint:
                    "check sharedConfig.endpointURL: it must be Google's API (or a proxy that passes its answers through)"
            )
        }
        return json
    }

    /// POSTs `body` as JSON to `path` and returns the answer's JSON, like `get`.
    func post(_ path: String, _ body: JSONValue, call: GoogleCall) async throws(ProbeFailure) -> JSONValue {
        var call = call
        call.secrets.append(token.value)
        let request = HTTPRequest.json(
            "POST", path, body,
            headers: [HTTPField("Authorization", "Bearer \(token.value)"), HTTPField("Accept", "application/json")])
        return try await json(client.exchange(request, with: target), call: call)
    }

    /// `get` as a result, for callers that turn some failures into warnings.
    func result(_ path: String, call: GoogleCall) async -> Result<JSONValue, ProbeFailure> {
        do throws(ProbeFailure) { return .success(try await get(path, call: call)) } catch { return .failure(error) }
    }

    func unexpected(_ what: String) -> ProbeFailure {
        ProbeFailure(
            .protocolMismatch, "\(what): the answer is JSON but not the expected resource",
            hint: "check sharedConfig.endpointURL: it must be Google's API (or a proxy that passes its answers through)"
        )
    }

    var apiHost: String { config.api.hostHeader }
}
