import PreflightCore

/// A Redis error reply split into its code ("WRONGPASS", "ERR") and the rest.
public struct RedisError: Sendable, Equatable {
    /// The first word, upper-cased: WRONGPASS, NOAUTH, NOPERM, LOADING, DENIED, ERR, ...
    public var code: String
    /// The whole line as the server sent it, quoted by ``PeerText`` (one line, control characters made
    /// spaces, cut to ``PeerText/maximumLength`` characters).
    public var line: String

    public init(_ raw: String) {
        line = PeerText.quote(raw)
        code = line.split(separator: " ", maxSplits: 1).first.map { String($0).uppercased() } ?? ""
    }

    /// The text after the code, lower-cased, for matching.
    var lowercasedMessage: String {
        line.split(separator: " ", maxSplits: 1).dropFirst().first.map { $0.lowercased() } ?? ""
    }

    /// `-ERR unknown command 'HELLO'` (Redis before 6) and its variants.
    public var isUnknownCommand: Bool {
        code == "ERR"
            && (lowercasedMessage.hasPrefix("unknown command")
                || lowercasedMessage.hasPrefix("unknown or disabled command"))
    }

    /// HELLO with a protocol version the server does not speak.
    public var isUnsupportedProtocol: Bool { code == "NOPROTO" }

    /// `-ERR Client sent AUTH, but no password is set` (a Redis before 6 without requirepass).
    public var isAuthWithoutPasswordSet: Bool {
        code == "ERR" && lowercasedMessage.contains("no password is set")
    }
}

/// Which exchange an error answered.
public enum RedisCommand: String, Sendable {
    case hello = "HELLO"
    case auth = "AUTH"
    case select = "SELECT"
    case ping = "PING"
    case info = "INFO"
}

/// Turns Redis error replies into categorised failures. Pure.
public enum RedisErrorMapping {
    /// What a ping knows when it maps an error.
    public struct Situation: Sendable {
        public var server: String
        public var user: String
        public var passwordGiven: Bool
        public var database: Int?
        public var tls: Bool

        public init(server: String, user: String, passwordGiven: Bool, database: Int? = nil, tls: Bool) {
            self.server = server
            self.user = user
            self.passwordGiven = passwordGiven
            self.database = database
            self.tls = tls
        }
    }

    public static func failure(for error: RedisError, command: RedisCommand, in situation: Situation) -> ProbeFailure {
        let server = situation.server
        let user = situation.user
        let message = error.lowercasedMessage
        switch error.code {
        case "WRONGPASS":
            return ProbeFailure(
                .auth, "\(server) rejected the credentials of user \"\(user)\": \(error.line)",
                hint:
                    "check the password\(user == "default" ? " (requirepass)" : " and username") and that the user is enabled (ACL GETUSER \(user) should show \"on\")"
            )
        case "NOAUTH":
            if !situation.passwordGiven {
                return ProbeFailure(
                    .auth, "\(server) requires a password and none was given (\(error.line))",
                    hint:
                        "set sharedConfig.password (the server's requirepass, or an ACL user's password together with sharedConfig.username)"
                )
            }
            return ProbeFailure(
                .auth, "\(server) still requires authentication after \(command.rawValue) (\(error.line))",
                hint: "check the password and username")
        case "NOPERM":
            return ProbeFailure(
                .permission,
                "user \"\(user)\" logged in but may not run \(command.rawValue) on \(server): \(error.line)",
                hint:
                    "grant the command to the user, e.g. ACL SETUSER \(user) +\(command.rawValue.lowercased())\(command == .select ? "" : " +@connection")"
            )
        case "LOADING":
            return ProbeFailure(
                .serverUnavailable,
                "\(server) is loading its dataset into memory and not yet serving commands (\(error.line))",
                hint: "wait until loading finishes (INFO persistence shows loading:0) and try again", transient: true)
        case "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN":
            return ProbeFailure(
                .serverUnavailable, "\(server) cannot serve commands right now: \(error.line)", transient: true)
        case "DENIED":
            return ProbeFailure(
                .auth, "\(server) is in protected mode and refuses connections from other hosts: \(error.line)",
                hint:
                    "protected mode is on because the default user has no password: set one (requirepass, or ACL SETUSER default >password) and give it in sharedConfig.password; or, on a trusted network only, bind Redis to its private interface and set protected-mode no"
            )
        case "ERR":
            if message.contains("max number of clients") {
                return ProbeFailure(
                    .serverUnavailable, "\(server) has reached its maximum number of clients (\(error.line))",
                    hint: "raise maxclients, or find the client holding idle connections (CLIENT LIST)", transient: true
                )
            }
            if message.contains("invalid password") || message.contains("invalid username-password") {
                return ProbeFailure(
                    .auth,
                    "\(server) rejected the password\(user == "default" ? "" : " of user \"\(user)\""): \(error.line)",
                    hint: "check the password (requirepass on servers before Redis 6)")
            }
            if message.contains("db index is out of range") || message.contains("invalid db index") {
                return ProbeFailure(
                    .databaseNotFound,
                    "\(server) has no database \(situation.database.map(String.init) ?? "?") (\(error.line))",
                    hint:
                        "use a database number below the server's `databases` setting (16 by default; CONFIG GET databases)"
                )
            }
            if message.contains("select is not allowed in cluster mode") {
                return ProbeFailure(
                    .databaseNotFound, "\(server) runs Redis Cluster, which only has database 0 (\(error.line))",
                    hint: "set sharedConfig.database to 0 or leave it out")
            }
            if command == .auth, message.contains("wrong number of arguments") {
                return ProbeFailure(
                    .auth,
                    "\(server) does not accept a username with AUTH (\(error.line)): it is older than Redis 6 and has no ACL users",
                    hint: "leave sharedConfig.username out (or set it to default) and give only the password")
            }
            if error.isUnknownCommand {
                return ProbeFailure(
                    .unsupported, "\(server) does not know the \(command.rawValue) command (\(error.line))",
                    hint: "this may be a proxy or a Redis-compatible server that disables \(command.rawValue)")
            }
            return ProbeFailure(
                .protocolMismatch, "\(server) answered \(command.rawValue) with an unexpected error: \(error.line)")
        default:
            return ProbeFailure(
                .protocolMismatch, "\(server) answered \(command.rawValue) with an unexpected error: \(error.line)")
        }
    }
}
