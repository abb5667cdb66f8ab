import PreflightCore
import PreflightSCRAM

/// What the server said in an ErrorResponse, as far as categorising it needs.
public struct PostgresServerError: Sendable, Equatable {
    public var sqlState: String
    public var message: String
    public var detail: String?
    public var hint: String?

    public init(sqlState: String, message: String, detail: String? = nil, hint: String? = nil) {
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
    }
}

/// Maps a server error during startup to a category and a sentence a person can act on. Pure.
public enum PostgresErrorMapping {
    public static func failure(
        for error: PostgresServerError,
        user: String,
        database: String,
        server: String,
        encrypted: Bool
    ) -> ProbeFailure {
        let said = "the server said: \(error.message)"
        let quotedUser = PostgresIdentifier.quote(user)
        let quotedDatabase = PostgresIdentifier.quote(database)
        switch error.sqlState {
        case "28P01":
            return ProbeFailure(
                .auth, "\(server) rejected the password for user \"\(user)\" (\(said))",
                hint:
                    "check the password; if it was just changed, check that the role's password was set with the server's password_encryption"
            )
        case "28000":
            if error.message.contains("no encryption") && !encrypted {
                return ProbeFailure(
                    .auth,
                    "\(server) only accepts TLS connections for user \"\(user)\" to database \"\(database)\" (pg_hba.conf has no entry for an unencrypted connection)",
                    hint: "set sslMode to require (or verify-full), or add a `host` line for this client to pg_hba.conf"
                )
            }
            if error.message.contains("pg_hba.conf") {
                return ProbeFailure(
                    .auth,
                    "\(server) has no pg_hba.conf entry allowing user \"\(user)\" from this address to database \"\(database)\" (\(said))",
                    hint: "add a line for this client's address to pg_hba.conf and reload the server")
            }
            return ProbeFailure(.auth, "\(server) refused user \"\(user)\" (\(said))")
        case "3D000":
            return ProbeFailure(
                .databaseNotFound,
                "database \"\(database)\" does not exist on \(server); the credentials were accepted",
                hint: "set defaultDatabase to an existing database (`\\l` in psql lists them)")
        case "42501":
            return ProbeFailure(
                .permission, "user \"\(user)\" lacks a privilege needed to connect to \"\(database)\" (\(said))",
                hint: "GRANT CONNECT ON DATABASE \(quotedDatabase) TO \(quotedUser);")
        case "57P03":
            return ProbeFailure(
                .serverUnavailable,
                "\(server) is starting up, shutting down or in recovery and not accepting connections yet (\(said))",
                hint: "try again in a minute", transient: true)
        case "53300":
            return ProbeFailure(
                .serverUnavailable, "\(server) has no free connection slots (\(said))",
                hint: "raise max_connections or close idle connections (pg_stat_activity)", transient: true)
        case "57P01", "57P02":
            return ProbeFailure(.serverUnavailable, "\(server) is shutting down (\(said))", transient: true)
        case "0A000":
            return ProbeFailure(.unsupported, "\(server) does not support this connection (\(said))")
        default:
            if error.sqlState.hasPrefix("28") {
                return ProbeFailure(.auth, "\(server) rejected user \"\(user)\" (\(said), SQLSTATE \(error.sqlState))")
            }
            if error.sqlState.hasPrefix("53") || error.sqlState.hasPrefix("57") {
                return ProbeFailure(
                    .serverUnavailable,
                    "\(server) cannot take the connection now (\(said), SQLSTATE \(error.sqlState))", transient: true)
            }
            return ProbeFailure(
                .protocolMismatch, "\(server) refused the connection (\(said), SQLSTATE \(error.sqlState))")
        }
    }

    /// A SCRAM exchange this client stopped (``PostgresSCRAMHandler``): the server's signature did not
    /// verify, or its messages broke the protocol. The reason never holds the password.
    static func scramFailure(_ error: SCRAMError, server: String) -> ProbeFailure {
        switch error.kind {
        case .serverSignature:
            return ProbeFailure(
                .auth,
                "SCRAM authentication with \(server) failed: the server accepted our proof but its own signature does not verify, so it does not know this user's password",
                hint:
                    "something between this service and the server (a proxy rewriting the login, or a server impersonating this one) answered; check the host and any pooler in front of it"
            )
        case .serverError(let said):
            return ProbeFailure(
                .auth,
                "SCRAM authentication with \(server) failed: the server ended the exchange with \"\(said.prefix(100))\"",
                hint: "check the password")
        case .protocolViolation, .password:
            return ProbeFailure(
                .protocolMismatch, "\(server) broke the SCRAM-SHA-256 exchange: \(error.reason)",
                hint: "a proxy or pooler that rewrites the login can do this; try the server directly")
        }
    }
}
