import PreflightCore
import PreflightHTTP

/// What a Snowflake failure message needs to name: who signed in where, and with what.
public struct SnowflakeFailureContext: Sendable, Equatable {
    /// The account as the login names it (upper-cased, no region).
    public var account: String
    public var user: String
    public var warehouse: String
    public var role: String?
    /// The key's fingerprint for key-pair logins (nil for passwords).
    public var fingerprint: String?
    /// "https://host[:port]"
    public var server: String

    public init(account: String, user: String, warehouse: String, role: String?, fingerprint: String?, server: String) {
        self.account = account
        self.user = user
        self.warehouse = warehouse
        self.role = role
        self.fingerprint = fingerprint
        self.server = server
    }

    var roleText: String { role.map { "role \($0)" } ?? "the user's default role" }
}

/// Which exchange failed: the login (or the key-pair statement, which is also the login), or a query
/// in an established session.
public enum SnowflakePhase: Sendable {
    case login, statement, query
}

/// Snowflake error codes to categorised failures with the code in the message and a fix in the hint. Pure.
///
/// Codes: 390144 JWT invalid, 390100 incorrect user name or password, locked and disabled users
/// (recognised by their message), 390186/390189 role not granted, 390422/390432 IP blocked by a network
/// policy, 390201/002003/002043 object does not exist or not authorised, 000606 no active warehouse.
public enum SnowflakeErrorMapping {
    public static func failure(
        for error: SnowflakeError, status: Int?, phase: SnowflakePhase, context: SnowflakeFailureContext,
        redactor: Redactor
    ) -> ProbeFailure {
        let said = describe(error, redactor: redactor)
        let lower = error.message.lowercased()
        let who = "user \(context.user) in account \(context.account)"
        let warehouse = context.warehouse
        switch error.code {
        case "390144":
            var hint = "the public key registered for \(context.user) must match sharedConfig.privateKey"
            if let fingerprint = context.fingerprint {
                hint +=
                    ": run DESC USER \(context.user) and compare RSA_PUBLIC_KEY_FP with \(fingerprint); if it differs, ALTER USER \(context.user) SET RSA_PUBLIC_KEY='<the public key of privateKey, base64 without the PEM lines>'"
            }
            hint +=
                ". Also check accountIdentifier (the token names account \(context.account)), username, and that this machine's clock is right (the token is valid from its issue time)."
            return ProbeFailure(.auth, "Snowflake rejected the key-pair token for \(who): \(said)", hint: hint)
        case "390100":
            return ProbeFailure(
                .auth, "Snowflake rejected the password for \(who): \(said)",
                hint:
                    "check username and password; key-pair authentication (sharedConfig.privateKey) is recommended over passwords"
            )
        default: break
        }
        if lower.contains("locked") {
            return ProbeFailure(
                .auth, "Snowflake refused \(who): \(said)",
                hint:
                    "the user is locked after failed logins; wait 15 minutes or run ALTER USER \(context.user) SET MINS_TO_UNLOCK = 0, then fix the credentials"
            )
        }
        if lower.contains("disabled") {
            return ProbeFailure(
                .auth, "Snowflake refused \(who): \(said)",
                hint: "an administrator must enable the user: ALTER USER \(context.user) SET DISABLED = FALSE")
        }
        if lower.contains("multi-factor") || lower.contains("mfa") {
            return ProbeFailure(
                .auth, "Snowflake refused \(who): \(said)",
                hint:
                    "the user must pass multi-factor authentication, which an unattended connector cannot; use key-pair authentication (sharedConfig.privateKey) for a service user"
            )
        }
        if ["390186", "390189"].contains(error.code)
            || (lower.contains("role") && (lower.contains("not granted") || lower.contains("not listed")))
        {
            return ProbeFailure(
                .permission, "Snowflake refused \(context.roleText) for \(who): \(said)",
                hint: context.role.map {
                    "GRANT ROLE \($0) TO USER \(context.user), or leave sharedConfig.role empty to use the user's default role"
                }
                    ?? "set a default role for the user (ALTER USER \(context.user) SET DEFAULT_ROLE = <role>) or give sharedConfig.role"
            )
        }
        if ["390422", "390432"].contains(error.code) || lower.contains("not allowed to access snowflake") {
            return ProbeFailure(
                .permission, "Snowflake's network policy refused this connection for \(who): \(said)",
                hint:
                    "add this service's egress IP addresses to the network policy of the account or of user \(context.user)"
            )
        }
        if ["390201", "002003", "002043"].contains(error.code) || lower.contains("does not exist or not authorized") {
            return ProbeFailure(
                .databaseNotFound, "warehouse \(warehouse) cannot be used by \(context.roleText): \(said)",
                hint:
                    "check sharedConfig.virtualDWH against SHOW WAREHOUSES; if it exists, GRANT USAGE ON WAREHOUSE \(warehouse) TO ROLE \(context.role ?? "<the user's default role>")"
            )
        }
        if error.code == "000606" {
            return ProbeFailure(
                .permission, "warehouse \(warehouse) is not usable by \(context.roleText): \(said)",
                hint:
                    "GRANT USAGE ON WAREHOUSE \(warehouse) TO ROLE \(context.role ?? "<the user's default role>"), and check the name against SHOW WAREHOUSES"
            )
        }
        if ["390112", "390114"].contains(error.code) {
            return ProbeFailure(
                .auth, "Snowflake ended the session for \(who): \(said)",
                hint: "try again; if it persists, check the account's session policy")
        }
        return byStatus(status, said: said, phase: phase, who: who)
    }

    /// A failure for an answer with no recognised code: by ``HTTPStatusCategory``, and by the phase
    /// for statuses it gives no meaning (and for 404, which Snowflake does not use for missing objects).
    static func byStatus(_ status: Int?, said: String, phase: SnowflakePhase, who: String) -> ProbeFailure {
        let generic = status.flatMap { HTTPStatusCategory(status: $0) }
        switch generic?.category {
        case .auth?:
            return ProbeFailure(
                .auth, "Snowflake refused the credentials for \(who): \(said)",
                hint: "check accountIdentifier, username and the key or password")
        case .permission?:
            return ProbeFailure(
                .permission, "Snowflake refused the request for \(who): \(said)",
                hint: "the user or role lacks a privilege, or a network policy blocks this service")
        case .timeout?:
            return ProbeFailure(.timeout, "Snowflake timed out the request for \(who): \(said)")
        case .serverUnavailable?:
            return ProbeFailure(
                .serverUnavailable, "Snowflake could not serve the request for \(who) right now: \(said)",
                hint: "a transient Snowflake problem; try again in a minute", transient: true)
        default:
            switch phase {
            case .login:
                return ProbeFailure(
                    .auth, "Snowflake refused the login for \(who): \(said)",
                    hint: "check accountIdentifier, username and the credentials")
            case .statement, .query:
                return ProbeFailure(
                    .permission, "Snowflake refused the check query for \(who): \(said)",
                    hint: "the role may lack USAGE on the warehouse; see the Snowflake error above")
            }
        }
    }

    /// "390144 JWT token is invalid.": the code and the message quoted by ``PeerText`` with runtime secrets removed.
    public static func describe(_ error: SnowflakeError, redactor: Redactor) -> String {
        var text = PeerText.quote(error.message, redactor: redactor)
        if text.isEmpty { text = "no message" }
        return error.code.isEmpty ? text : "\(error.code) \(text)"
    }
}
