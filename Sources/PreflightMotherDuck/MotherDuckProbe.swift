import Foundation
import PreflightCore
import PreflightHTTP
import PreflightNetwork

/// A ping of a MotherDuck token: `token` (read the JWT's claims: whose it is, whether it has expired;
/// an expired token fails here, before any request), then dns, connect, tls to the REST API and `api`:
/// one read-only call, `GET /v1/users/{username}/tokens` (the token's own user's token list, metadata
/// only, never secrets) with `Authorization: Bearer`. 200 proves the token; 401 is auth, 403 permission.
/// Then destination readiness (MotherDuck is only ever a destination): `token_type`, read/write, not
/// Read Scaling (read-only), from the token's claims or from the REST API having accepted it.
struct MotherDuckProbe: Probe {
    let config: MotherDuckConfig

    var target: PingTarget { PingTarget(host: config.endpoint.host, port: config.endpoint.port) }

    /// A token this close to its expiry passes with a warning.
    static let expiryWarning: TimeInterval = 7 * 86_400

    func run(in context: ProbeContext) async throws(ProbeFailure) {
        let claims = config.claims
        let now = context.wallClock()
        let owner = claims.owner
        try await context.step(.tokenClaims, "reading the token's claims") { outcome in
            if claims.isExpired(at: now) {
                throw ProbeFailure(
                    .auth,
                    "the MotherDuck token\(owner.map { " of \($0)" } ?? "") \(claims.expiryDescription(at: now)) (its exp claim); no request was sent",
                    hint:
                        "create a new access token in MotherDuck (Settings > Access tokens), with a longer expiry or none, and update the connector"
                )
            }
            outcome.detail =
                "a MotherDuck token for \(owner ?? "an unnamed user (no username or email claim)"), \(claims.expiryDescription(at: now))"
            if let expiresAt = claims.expiresAt, expiresAt.timeIntervalSince(now) < Self.expiryWarning {
                outcome.status = .warning
                outcome.hint = "the token expires soon: create a new one before then"
            }
        }
        if claims.isReadScaling == true {
            let check = MotherDuckDestination.tokenCheck(.readScalingClaim, owner: owner)
            throw MotherDuckDestination.record(check, context: context)!
        }
        guard let username = claims.username else {
            MotherDuckDestination.record(
                MotherDuckDestination.tokenCheck(.unproven, owner: owner), context: context)
            context.trace.note(
                .api, status: .warning,
                detail:
                    "the token carries no username claim, so Preflight cannot ask MotherDuck about it; it was not proved",
                hint: "MotherDuck access tokens name their user; check that this is a MotherDuck token")
            return
        }
        let client = HTTPClient(context: context)
        defer { client.close() }
        let target = HTTPTarget(config.endpoint, rootCertificatesPEM: config.rootCertificatesPEM)
        try await client.connect(target)
        let request = HTTPRequest(
            "GET", "/v1/users/\(FormEncoding.percentEncode(username))/tokens",
            headers: [HTTPField("Authorization", "Bearer \(config.token)"), HTTPField("Accept", "application/json")])
        let host = config.endpoint.hostHeader
        try await context.step(
            .api, "GET /v1/users/\(username)/tokens on \(host)",
            timeoutHint: "\(host) accepted the connection but did not answer in time"
        ) { outcome in
            let response = try await client.exchange(request, with: target)
            var refusal: ProbeFailure?
            do throws(ProbeFailure) {
                outcome.detail = try Self.interpret(response, username: username, owner: owner ?? username, host: host)
            } catch {
                refusal = error
            }
            if let refusal {
                if refusal.category == .permission {
                    // The REST API refuses Read Scaling tokens: as a destination, that is the token type's check.
                    MotherDuckDestination.record(
                        MotherDuckDestination.tokenCheck(.refusedByAPI(refusal.message), owner: owner),
                        context: context)
                }
                throw refusal
            }
        }
        MotherDuckDestination.record(
            MotherDuckDestination.tokenCheck(
                claims.isReadScaling == false ? .readWriteClaim : .acceptedByAPI, owner: owner),
            context: context)
    }

    /// The step detail for a 2xx answer, or the failure for any other. Pure.
    static func interpret(_ response: HTTPResponse, username: String, owner: String, host: String) throws(ProbeFailure)
        -> String
    {
        let error = MotherDuckAPIError(response)
        let generic = HTTPStatusCategory(status: response.status)
        if let generic, generic.transient {
            throw generic.failure("MotherDuck's API answered \(error.summary)")
        }
        switch response.status {
        case 404:
            throw ProbeFailure(
                .auth, "MotherDuck does not know user \"\(username)\" named in the token: \(error.summary)",
                hint: "the token's user may have been deleted: create a new access token")
        case _ where generic?.category == .auth:
            throw ProbeFailure(
                .auth, "MotherDuck rejected the token of \(owner): \(error.summary)",
                hint:
                    "the token may have been invalidated or its user deleted: create a new access token in MotherDuck (Settings > Access tokens)"
            )
        case _ where generic?.category == .permission:
            throw ProbeFailure(
                .permission,
                "MotherDuck accepted the token of \(owner) but refused the read-only API call: \(error.summary)",
                hint: "use a Read/Write token (Read Scaling tokens cannot write, and are refused by the REST API)")
        case 200..<300:
            guard let tokens = response.json()?["tokens"]?.arrayValue else {
                throw ProbeFailure(
                    .protocolMismatch,
                    "\(host) answered \(response.statusLine) without the token list MotherDuck's API returns (\(response.preview(80)))",
                    hint:
                        "check sharedConfig.endpointURL: it should be MotherDuck's REST API (https://api.motherduck.com)"
                )
            }
            return
                "MotherDuck accepted the token of \(owner) (\(tokens.count) access token\(tokens.count == 1 ? "" : "s") on the account)"
        default:
            throw ProbeFailure(
                .protocolMismatch, "\(host) answered GET /v1/users/\(username)/tokens with \(error.summary)",
                hint: "check sharedConfig.endpointURL: it should be MotherDuck's REST API (https://api.motherduck.com)")
        }
    }
}

/// MotherDuck's JSON error body: `{"message": ..., "code": "UNAUTHORIZED", ...}`.
struct MotherDuckAPIError: Sendable {
    var status: String
    var code: String?
    var message: String?

    init(_ response: HTTPResponse) {
        status = response.statusLine
        let json = response.json()
        code = json?["code"]?.stringValue.map { PeerText.quote($0) }
        message = json?["message"]?.stringValue.map { PeerText.quote($0) }
        if json == nil, !response.body.isEmpty { message = response.preview(80) }
    }

    /// "HTTP 401 Unauthorized (UNAUTHORIZED: Invalid Credentials)"
    var summary: String {
        let parts = [code, message].compactMap { $0 }.filter { !$0.isEmpty }
        return parts.isEmpty ? status : "\(status) (\(parts.joined(separator: ": ")))"
    }
}
