import Foundation
import PreflightCore
import PreflightHTTP

/// An access token obtained at run time. Its description never shows the token.
struct GoogleAccessToken: Sendable, CustomStringConvertible {
    var value: String
    var expiresIn: Int?
    var tokenType: String?

    var description: String { "access token (\(value.count) characters)" }
}

/// What the token endpoint's answer means. Pure.
///
/// Google's answers: 200 `{"access_token": ..., "expires_in": 3599, "token_type": "Bearer"}`, or 400
/// `{"error": "invalid_grant", "error_description": "Invalid JWT Signature."}` and its kin.
enum GoogleTokenResponse {
    /// What the messages need to know about the request.
    struct Request: Sendable {
        var email: String
        var keyID: String
        var tokenURL: String
        /// This service's clock when the assertion was signed (seconds since 1970), for the clock-skew hint.
        var issuedAt: Int
        /// Strings that must not reach the report even if the peer echoes them (the assertion).
        var secrets: [String] = []
    }

    static func interpret(status: Int, statusLine: String, body: [UInt8], request: Request) -> Result<
        GoogleAccessToken, ProbeFailure
    > {
        let json = JSONValue.parse(body)
        let tokenHost = request.tokenURL
        if (200..<300).contains(status) {
            guard let json, case .object = json else {
                return .failure(
                    ProbeFailure(
                        .protocolMismatch,
                        "the token endpoint \(tokenHost) answered \(statusLine) with something that is not JSON",
                        hint:
                            "check sharedConfig.tokenURL or credentialsData.token_uri: it must be Google's OAuth token endpoint (https://oauth2.googleapis.com/token) or a proxy to it"
                    ))
            }
            guard let token = json["access_token"]?.stringValue, !token.isEmpty else {
                return .failure(
                    ProbeFailure(
                        .protocolMismatch,
                        "the token endpoint \(tokenHost) answered \(statusLine) without an access_token",
                        hint:
                            "check sharedConfig.tokenURL or credentialsData.token_uri: it must be Google's OAuth token endpoint"
                    ))
            }
            guard isBearerToken(token) else {
                return .failure(
                    ProbeFailure(
                        .protocolMismatch,
                        "the token endpoint \(tokenHost) answered \(statusLine) with an access_token that is not a usable bearer token (\(token.count) characters)",
                        hint:
                            "check sharedConfig.tokenURL or credentialsData.token_uri: it must be Google's OAuth token endpoint"
                    ))
            }
            if let type = json["token_type"]?.stringValue, type.lowercased() != "bearer" {
                return .failure(
                    ProbeFailure(
                        .protocolMismatch,
                        "the token endpoint \(tokenHost) issued a token of type \(PeerText.quote(type, scrubbing: [token])), not Bearer"
                    ))
            }
            return .success(
                GoogleAccessToken(
                    value: token, expiresIn: json["expires_in"]?.intValue, tokenType: json["token_type"]?.stringValue))
        }
        let secrets = request.secrets
        if let json, let code = json["error"]?.stringValue {
            let description = json["error_description"]?.stringValue.map { PeerText.quote($0, scrubbing: secrets) }
            return .failure(
                failure(
                    code: PeerText.quote(code, scrubbing: secrets), description: description, status: status,
                    statusLine: statusLine, request: request))
        }
        if HTTPStatusCategory.isUnavailable(status) {
            return .failure(
                ProbeFailure(
                    .serverUnavailable, "the token endpoint \(tokenHost) answered \(statusLine)",
                    hint: "Google's token service is busy or failing; try again in a minute", transient: true))
        }
        if let json, let message = GoogleAPIError.parse(json) {
            // A Google API-style error from a proxy or an emulator.
            return .failure(
                ProbeFailure(
                    status == 401 || status == 403 ? .auth : .protocolMismatch,
                    "the token endpoint \(tokenHost) answered \(statusLine): \(message.summary(scrubbing: secrets))"))
        }
        return .failure(
            ProbeFailure(
                .protocolMismatch,
                "the token endpoint \(tokenHost) answered \(statusLine) without an OAuth error",
                hint: status == 404
                    ? "nothing serves tokens at that path: check sharedConfig.tokenURL or credentialsData.token_uri (Google's is https://oauth2.googleapis.com/token)"
                    : "check sharedConfig.tokenURL or credentialsData.token_uri: it must be Google's OAuth token endpoint"
            ))
    }

    /// RFC 6750's token characters, and a sane length: anything else could not be sent in a header safely.
    static func isBearerToken(_ token: String) -> Bool {
        guard (1...8192).contains(token.utf8.count) else { return false }
        return token.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || [
                    UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"),
                    UInt8(ascii: "/"), UInt8(ascii: "="),
                ].contains(byte)
        }
    }

    /// An OAuth error (`error`, `error_description`) as a failure.
    static func failure(code: String, description: String?, status: Int, statusLine: String, request: Request)
        -> ProbeFailure
    {
        let said = description.map { "\(code): \($0)" } ?? code
        let account = "service account \(request.email)"
        let lower = (description ?? "").lowercased()
        switch code {
        case "invalid_grant" where lower.contains("invalid jwt signature"):
            return ProbeFailure(
                .auth, "Google rejected the key of \(account) (\(said))",
                hint:
                    "the key \(request.keyID) was deleted or revoked, or the key file was altered: create a new key under IAM > Service accounts > \(request.email) > Keys and paste the new key file into credentialsData"
            )
        case "invalid_grant"
        where lower.contains("short-lived") || lower.contains("iat") || lower.contains("exp")
            || lower.contains("timeframe"):
            return ProbeFailure(
                .auth, "Google rejected the token request of \(account) as outside its time window (\(said))",
                hint:
                    "this service's clock may be wrong: it signed the request at \(timestamp(request.issuedAt)) UTC, and Google accepts only requests within a few minutes of its own time; synchronise the clock (NTP) and try again"
            )
        case "invalid_grant" where lower.contains("account not found") || lower.contains("not found"):
            return ProbeFailure(
                .auth, "Google does not know \(account) (\(said))",
                hint:
                    "the service account was deleted or the key file belongs to another account; check IAM > Service accounts in the project the key file came from, and create a new key"
            )
        case "invalid_grant" where lower.contains("disabled"):
            return ProbeFailure(
                .auth, "\(account) is disabled (\(said))",
                hint: "enable the service account (IAM > Service accounts) or use another one")
        case "invalid_grant":
            return ProbeFailure(
                .auth, "Google refused the token request of \(account) (\(said))",
                hint: "create a new key for the service account and paste the new key file into credentialsData")
        case "invalid_client", "unauthorized_client", "disabled_client":
            return ProbeFailure(
                .auth, "Google refused \(account) (\(said))",
                hint:
                    "the service account or its key is disabled or deleted; check IAM > Service accounts, or create a new key"
            )
        case "invalid_scope":
            return ProbeFailure(.auth, "Google refused the scope Preflight asked for on behalf of \(account) (\(said))")
        case "temporarily_unavailable", "server_error":
            return ProbeFailure(
                .serverUnavailable, "the token endpoint \(request.tokenURL) answered \(statusLine) (\(said))",
                hint: "try again in a minute", transient: true)
        default:
            if HTTPStatusCategory.isUnavailable(status) {
                return ProbeFailure(
                    .serverUnavailable, "the token endpoint \(request.tokenURL) answered \(statusLine) (\(said))",
                    hint: "try again in a minute", transient: true)
            }
            return ProbeFailure(.auth, "the token endpoint \(request.tokenURL) refused \(account) (\(said))")
        }
    }

    static func timestamp(_ seconds: Int) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [
            .withFullDate, .withTime, .withColonSeparatorInTime, .withDashSeparatorInDate, .withSpaceBetweenDateAndTime,
        ]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
