import Foundation
import PreflightCore

/// Maps a server's ERR packet during connection setup to a category and a sentence a person can act on. Pure.
public enum MySQLErrorMapping {
    /// The `'user'@'host'` the server names in "Access denied for user 'u'@'h' ...", as it wrote it.
    public static func account(in message: String) -> (user: String, host: String)? {
        guard let start = message.range(of: "for user '") else { return nil }
        let rest = message[start.upperBound...]
        guard let separator = rest.range(of: "'@'") else { return nil }
        let user = String(rest[..<separator.lowerBound])
        let afterHost = rest[separator.upperBound...]
        guard let end = afterHost.firstIndex(of: "'") else { return nil }
        return (user, String(afterHost[..<end]))
    }

    /// The address in "Host '10.1.2.3' is not allowed to connect ..." / "Host '...' is blocked ...".
    public static func host(in message: String) -> String? {
        guard let start = message.range(of: "Host '") else { return nil }
        let rest = message[start.upperBound...]
        guard let end = rest.firstIndex(of: "'") else { return nil }
        return String(rest[..<end])
    }

    public static func failure(
        for error: MySQLServerError, user: String, database: String?, server: String, product: String,
        encrypted: Bool, passwordGiven: Bool
    ) -> ProbeFailure {
        let said = "the server said: \(error.message)"
        let seen = account(in: error.message)
        let account = seen.map { "'\($0.user)'@'\($0.host)'" } ?? "'\(user)'"
        switch error.code {
        case 1045, 1698:
            let noPassword = error.message.contains("using password: NO")
            if let seen {
                let hint =
                    noPassword && !passwordGiven
                    ? "no password was sent: set sharedConfig.password"
                    : "check the password; the account must exist for this user and host: SELECT user, host, plugin FROM mysql.user WHERE user = \(MySQLConfig.quoted(seen.user)); lists the hosts it allows (the server saw this service as '\(seen.host)'; '%' allows any)"
                return ProbeFailure(
                    .auth,
                    "\(server) refused user \(account) (the user and address as the server saw them): the password is wrong, or no account '\(seen.user)' matches host '\(seen.host)' (\(said))",
                    hint: hint)
            }
            return ProbeFailure(
                .auth, "\(server) refused user \(account) (\(said))", hint: "check the user name and password")
        case 1044:
            let db = database.map { " \"\($0)\"" } ?? ""
            let grantee =
                seen.map { "\(MySQLConfig.quoted($0.user))@\(MySQLConfig.quoted($0.host))" } ?? MySQLConfig.quoted(user)
            return ProbeFailure(
                .permission,
                "user \(account) logged in but may not use database\(db), or it does not exist (the server does not tell users without privileges on a database whether it exists; \(said))",
                hint: "GRANT SELECT ON \(MySQLConfig.backquoted(database ?? "db")).* TO \(grantee);")
        case 1049:
            return ProbeFailure(
                .databaseNotFound,
                "database \"\(database ?? "?")\" does not exist on \(server); the credentials were accepted",
                hint:
                    "set defaultDatabase to an existing database (SHOW DATABASES lists them), or leave it empty to connect without one"
            )
        case 1130:
            let address = host(in: error.message) ?? "this service's address"
            return ProbeFailure(
                .auth,
                "\(server) does not allow connections from \(address) (the address it saw for this service): no account exists for that host, so it refused before asking for a password (\(said))",
                hint:
                    "create the account for this address or a pattern that covers it, e.g. CREATE USER \(MySQLConfig.quoted(user))@\(MySQLConfig.quoted(address)) IDENTIFIED BY '...'; (or '%'); if \(address) is not this service's egress address, a NAT or proxy is in between"
            )
        case 1129:
            let address = host(in: error.message) ?? "this service's address"
            return ProbeFailure(
                .auth, "\(server) has blocked \(address) after too many failed connection attempts (\(said))",
                hint: "run FLUSH HOSTS (or mysqladmin flush-hosts) on the server, and raise max_connect_errors")
        case 1040:
            return ProbeFailure(
                .serverUnavailable, "\(server) has no free connections (max_connections reached; \(said))",
                hint: "raise max_connections or close idle connections (SHOW PROCESSLIST)", transient: true)
        case 1203:
            return ProbeFailure(
                .serverUnavailable,
                "user \(account) already has as many connections as max_user_connections allows (\(said))",
                hint: "close some of this user's connections, or raise its MAX_USER_CONNECTIONS", transient: true)
        case 1226:
            return ProbeFailure(
                .serverUnavailable, "user \(account) has used up a resource limit (\(said))",
                hint:
                    "wait for the hourly limit to reset, or raise it with ALTER USER ... WITH MAX_CONNECTIONS_PER_HOUR",
                transient: true)
        case 1053:
            return ProbeFailure(.serverUnavailable, "\(server) is shutting down (\(said))", transient: true)
        case 3159:
            return ProbeFailure(
                .auth,
                "\(server) requires TLS for every connection (require_secure_transport is ON), and this connection is not encrypted (\(said))",
                hint: "set tlsMode to \"preferred\" (or sslMode to require / verify-full)")
        case 1251:
            return ProbeFailure(
                .unsupported, "\(server) asks for an authentication protocol Preflight does not speak (\(said))",
                hint: "use mysql_native_password, caching_sha2_password or ed25519 for this account")
        case 1820, 1862:
            return ProbeFailure(
                .auth, "the password of \(account) has expired (\(said))",
                hint:
                    "set a new password: ALTER USER \(MySQLConfig.quoted(seen?.user ?? user))@'...' IDENTIFIED BY '...';"
            )
        case 3118, 4151:
            return ProbeFailure(
                .auth, "account \(account) is locked (\(said))",
                hint: "ALTER USER ... ACCOUNT UNLOCK;")
        case 1043:
            return ProbeFailure(
                .protocolMismatch,
                "\(server) rejected the handshake as malformed (\(said)); a proxy in front of \(product) may not speak this protocol version"
            )
        default:
            if error.sqlState?.hasPrefix("08") == true {
                return ProbeFailure(
                    .serverUnavailable, "\(server) refused the connection (\(said), error \(error.code))",
                    transient: true)
            }
            return ProbeFailure(
                .auth,
                "\(server) refused the login (\(said), error \(error.code)\(error.sqlState.map { ", SQLSTATE \($0)" } ?? ""))"
            )
        }
    }
}
