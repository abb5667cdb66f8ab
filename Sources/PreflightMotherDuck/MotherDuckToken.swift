import Foundation
import PreflightCore
import PreflightHTTP

/// What a MotherDuck access token (a JWT) says about itself, read without verifying its signature:
/// only MotherDuck can verify it, and the ping then proves it with an API call.
public struct MotherDuckToken: Sendable, Equatable {
    /// The `username` claim: the MotherDuck user (or service account) the token belongs to.
    public var username: String?
    /// The `email` claim, when present.
    public var email: String?
    /// `exp`, when present (tokens created without an expiry have none).
    public var expiresAt: Date?
    /// `iat`, when present.
    public var issuedAt: Date?
    /// Whether the token says it is a Read Scaling (read-only) token: a `token_type` / `tokenType` claim
    /// (`read_scaling` or `read_write`) or a `read_only` / `readOnly` boolean; nil when it says neither.
    public var isReadScaling: Bool?

    /// Reads the claims of `token`; nil when it is not a JWT with a JSON payload.
    public init?(_ token: String) {
        guard let claims = JWT.unverifiedClaims(token) else { return nil }
        username =
            Self.text(claims["username"]) ?? Self.text(claims["user_name"]) ?? Self.text(claims["preferred_username"])
        email = Self.text(claims["email"])
        expiresAt = claims["exp"]?.numberValue.map { Date(timeIntervalSince1970: $0) }
        issuedAt = claims["iat"]?.numberValue.map { Date(timeIntervalSince1970: $0) }
        if let kind = (Self.text(claims["token_type"]) ?? Self.text(claims["tokenType"]))?.lowercased()
            .replacingOccurrences(of: "-", with: "_")
        {
            isReadScaling = kind == "read_scaling" ? true : kind == "read_write" ? false : nil
        }
        if isReadScaling == nil, case .bool(let flag)? = claims["read_only"] ?? claims["readOnly"] {
            isReadScaling = flag
        }
    }

    private static func text(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty,
            text.count <= 320
        else { return nil }
        return text
    }

    /// "alice (alice@example.com)", "alice", "alice@example.com", or nil.
    public var owner: String? {
        switch (username, email) {
        case let (name?, mail?) where name != mail: "\(name) (\(mail))"
        case let (name?, _): name
        case let (nil, mail?): mail
        case (nil, nil): nil
        }
    }

    /// Whether the token has expired at `now`.
    public func isExpired(at now: Date) -> Bool {
        guard let expiresAt else { return false }
        return expiresAt <= now
    }

    /// "expires 2027-01-01T00:00:00Z (in 35 days)", "does not expire".
    public func expiryDescription(at now: Date) -> String {
        guard let expiresAt else { return "no expiry (no exp claim)" }
        let stamp = Self.format(expiresAt)
        let seconds = expiresAt.timeIntervalSince(now)
        if seconds <= 0 { return "expired \(stamp)" }
        let days = Int(seconds / 86_400)
        return days >= 1
            ? "expires \(stamp) (in \(days) day\(days == 1 ? "" : "s"))"
            : "expires \(stamp) (in \(Int(seconds / 3600)) h)"
    }

    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
