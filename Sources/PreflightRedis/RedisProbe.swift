import NIOCore
import PreflightCore
import PreflightNetwork

/// A ping of a Redis server (or a Redis-compatible one: Valkey, KeyDB, ElastiCache, ...): dns, connect,
/// tls (when on; Redis TLS starts at the first byte), auth (`HELLO 3 [AUTH user pass]`, falling back to
/// `AUTH` on servers before Redis 6), select (when a database is given), ping (`PING`), and QUIT.
struct RedisProbe: Probe {
    let config: RedisConfig

    var target: PingTarget { PingTarget(host: config.host, port: config.port) }

    private var server: String {
        config.host.contains(":") ? "[\(config.host)]:\(config.port)" : "\(config.host):\(config.port)"
    }
    private var user: String { config.username ?? "default" }
    private var situation: RedisErrorMapping.Situation {
        .init(
            server: server, user: user, passwordGiven: config.password != nil, database: config.database,
            tls: config.tls != nil)
    }

    func run(in context: ProbeContext) async throws(ProbeFailure) {
        let dial = try await context.resolveAndConnect(config.host, port: config.port)
        let server = self.server
        if let tls = config.tls {
            try await context.step(
                .tls, "negotiating TLS with \(server)",
                timeoutHint:
                    "the port accepted the connection but did not finish a TLS handshake; it may not be a TLS port"
            ) { outcome in
                let info = try await TLSUpgrade.perform(
                    on: dial.channel, settings: tls, peerName: server, context: context)
                outcome.detail = info.description
            }
        } else {
            context.trace.note(
                .tls, status: .skipped, detail: "TLS is off (tls is not true): the connection is not encrypted",
                hint:
                    "managed Redis services (ElastiCache in-transit encryption, Upstash, Redis Cloud) usually need tls true"
            )
        }
        let wire = try await RedisWire.attach(to: dial.channel)
        defer { wire.quit() }
        let hello = try await authenticate(wire, context: context)
        try await select(wire, context: context)
        try await ping(wire, known: hello, context: context)
    }

    private func call(_ wire: RedisWire, _ arguments: [String], _ command: RedisCommand, context: ProbeContext)
        async throws(ProbeFailure) -> RESPValue
    {
        let budget = context.budget()
        do {
            return try await wire.call(arguments, within: budget)
        } catch {
            throw await wireFailure(error, command: command, wire: wire, budget: budget)
        }
    }

    // MARK: Authentication

    /// HELLO 3 (with AUTH when a password is given); on servers without HELLO, AUTH. Returns HELLO's server info.
    func authenticate(_ wire: RedisWire, context: ProbeContext) async throws(ProbeFailure) -> RedisServerInfo? {
        let server = self.server
        let config = self.config
        let user = self.user
        let activity =
            config.password != nil
            ? "authenticating as \(user) with HELLO 3 AUTH" : "sending HELLO 3 (no password given)"
        return try await context.step(
            .auth, activity,
            timeoutHint:
                "the server accepted the connection but did not answer HELLO; Redis answers at once, so this is probably not Redis (or a TLS port while tls is off)"
        ) { outcome in
            var arguments = ["HELLO", "3"]
            if let password = config.password { arguments += ["AUTH", user, password] }
            let reply = try await call(wire, arguments, .hello, context: context)
            if let text = reply.errorText {
                let error = RedisError(text)
                guard error.isUnknownCommand || error.isUnsupportedProtocol else {
                    throw RedisErrorMapping.failure(for: error, command: .hello, in: situation)
                }
                // Redis before 6: no HELLO, RESP2 only, AUTH takes the password alone.
                guard let password = config.password else {
                    outcome.detail =
                        "the server does not know HELLO (Redis before 6, RESP2); no password given, so no AUTH"
                    return nil
                }
                var auth = ["AUTH"]
                if let username = config.username { auth.append(username) }
                auth.append(password)
                let answer = try await call(wire, auth, .auth, context: context)
                if let text = answer.errorText {
                    let error = RedisError(text)
                    if error.isAuthWithoutPasswordSet {
                        outcome.status = .warning
                        outcome.detail =
                            "the server does not know HELLO (Redis before 6) and has no password set: AUTH was refused (\(error.line)) but the connection is open to anyone"
                        outcome.hint = "set requirepass on the server, or leave sharedConfig.password out"
                        return nil
                    }
                    throw RedisErrorMapping.failure(for: error, command: .auth, in: situation)
                }
                guard answer.text == "OK" else {
                    throw ProbeFailure(
                        .protocolMismatch, "\(server) answered AUTH with \(answer.kindDescription) instead of OK")
                }
                outcome.detail =
                    "the server does not know HELLO (Redis before 6, RESP2); AUTH as \(config.username ?? "the default user") accepted"
                return nil
            }
            guard let info = RedisServerInfo.fromHello(reply) else {
                throw ProbeFailure(
                    .protocolMismatch,
                    "\(server) answered HELLO with \(reply.kindDescription), not the map Redis sends",
                    hint: Self.portHint)
            }
            outcome.detail =
                (config.password != nil ? "authenticated as \(user): " : "no password given; HELLO accepted: ")
                + info.description
            return info
        }
    }

    // MARK: Database

    func select(_ wire: RedisWire, context: ProbeContext) async throws(ProbeFailure) {
        guard let database = config.database else {
            context.trace.note(.select, status: .skipped, detail: "no database given: the connection uses database 0")
            return
        }
        let server = self.server
        try await context.step(.select, "selecting database \(database)") { outcome in
            let reply = try await call(wire, ["SELECT", String(database)], .select, context: context)
            if let text = reply.errorText {
                throw RedisErrorMapping.failure(for: RedisError(text), command: .select, in: situation)
            }
            guard reply.text == "OK" else {
                throw ProbeFailure(
                    .protocolMismatch, "\(server) answered SELECT with \(reply.kindDescription) instead of OK")
            }
            outcome.detail = "database \(database) selected"
        }
    }

    // MARK: Ping

    func ping(_ wire: RedisWire, known: RedisServerInfo?, context: ProbeContext) async throws(ProbeFailure) {
        let server = self.server
        try await context.step(.ping, "sending PING") { outcome in
            let reply = try await call(wire, ["PING"], .ping, context: context)
            if let text = reply.errorText {
                throw RedisErrorMapping.failure(for: RedisError(text), command: .ping, in: situation)
            }
            guard reply.text == "PONG" else {
                throw ProbeFailure(
                    .protocolMismatch, "\(server) answered PING with \(reply.kindDescription) instead of PONG")
            }
            var info = known
            if info == nil {
                // RESP2 servers: the version comes from INFO server (not fatal when refused).
                if let answer = try? await wire.call(["INFO", "server"], within: min(context.budget(), .seconds(2))),
                    let text = answer.text
                {
                    info = RedisServerInfo.fromInfo(text)
                }
            }
            outcome.detail = "PONG" + (info.map { " from \($0.description)" } ?? "")
        }
    }

    // MARK: Wire failures

    private static var portHint: String {
        "check the host and port: Redis listens on \(ConnectorType.redis.defaultPort ?? 0) by default"
    }

    /// A non-Redis peer named from its first bytes; nil for Redis replies and unknown bytes.
    static func namedPeer(_ bytes: [UInt8]) -> String? {
        guard let peer = ProtocolSniffer.identify(bytes) else { return nil }
        switch peer {
        case .redis, .unknown: return nil
        default: return peer.description
        }
    }

    private func wireFailure(_ error: RedisWireError, command: RedisCommand, wire: RedisWire, budget: Duration) async
        -> ProbeFailure
    {
        let seen = await wire.received()
        let preview = ProtocolSniffer.preview(seen.firstBytes)
        let tlsHint = config.tls == nil ? " If the port expects TLS, set tls true." : ""
        switch error {
        case .protocolError(let problem):
            if let named = Self.namedPeer(seen.firstBytes) {
                return ProbeFailure(.protocolMismatch, "\(server) answered as \(named), not Redis", hint: Self.portHint)
            }
            return ProbeFailure(
                .protocolMismatch,
                "\(server) answered \(command.rawValue) with \(problem), not Redis (first bytes: \(preview))",
                hint: Self.portHint)
        case .timedOut:
            if let named = Self.namedPeer(seen.firstBytes) {
                return ProbeFailure(.protocolMismatch, "\(server) answered as \(named), not Redis", hint: Self.portHint)
            }
            if seen.total == 0 {
                return ProbeFailure(
                    .timeout,
                    "\(server) accepted the connection but did not answer \(command.rawValue) within \(budget.humanDescription)",
                    hint: "Redis answers at once, so this is probably not Redis, or it is overloaded.\(tlsHint)")
            }
            return ProbeFailure(
                .timeout,
                "\(server) sent \(seen.total) bytes that are not a whole reply to \(command.rawValue), then nothing for \(budget.humanDescription) (first bytes: \(preview))",
                hint: "a Redis server sends each reply at once; this is probably not Redis")
        case .closed(let buffered):
            if let named = Self.namedPeer(seen.firstBytes) {
                return ProbeFailure(
                    .protocolMismatch, "\(server) answered as \(named), not Redis, and closed the connection",
                    hint: Self.portHint)
            }
            if seen.total == 0 {
                return ProbeFailure(
                    .serverUnavailable, "\(server) closed the connection without answering \(command.rawValue)",
                    hint:
                        "a TLS-only port while tls is off, a proxy with no healthy Redis behind it, or not Redis at all.\(tlsHint)",
                    transient: true)
            }
            if buffered > 0 {
                return ProbeFailure(
                    .protocolMismatch,
                    "\(server) closed the connection in the middle of its reply to \(command.rawValue) (first bytes: \(preview))",
                    hint: "a Redis server sends whole replies; this is probably something else, or a proxy cut it off")
            }
            return ProbeFailure(
                .serverUnavailable, "\(server) closed the connection after \(command.rawValue)",
                hint: "the server may be restarting, or a proxy dropped the connection", transient: true)
        case .byteLimit:
            return ProbeFailure(
                .protocolMismatch,
                "\(server) sent far more data than Redis would in reply to \(command.rawValue) (first bytes: \(preview))",
                hint: Self.portHint)
        case .channel(let text):
            return ProbeFailure(.unreachable, "the connection to \(server) failed during \(command.rawValue): \(text)")
        }
    }
}
