import Foundation
import NIOCore
import PreflightCore
import PreflightNetwork

/// A ping of a MySQL-wire server (MySQL, MariaDB, Aurora, PlanetScale): dns, connect, greeting, tls
/// (the SSL request), auth (every plugin of `MySQLAuthenticator`), database, then read-only readiness
/// queries for binlog CDC, and a clean COM_QUIT.
struct MySQLProbe: Probe {
    let config: MySQLConfig

    var target: PingTarget { PingTarget(host: config.host, port: config.port) }

    private var product: String { config.type.productName }
    private var server: String {
        config.host.contains(":") ? "[\(config.host)]:\(config.port)" : "\(config.host):\(config.port)"
    }

    /// A greeting is well under 1 KiB; a header announcing more than this is not MySQL.
    static let greetingLimit = 64 << 10
    /// Any later packet (a grants row, an RSA key) is far smaller.
    static let packetLimit = 1 << 20

    func run(in context: ProbeContext) async throws(ProbeFailure) {
        let dial = try await context.resolveAndConnect(config.host, port: config.port)
        let wire = try await MySQLWire.attach(to: dial.channel, maxPayload: Self.greetingLimit)
        // COM_QUIT and close however the ping ends (a no-op when the server already closed).
        defer { wire.quit() }
        let server = self.server
        let greeting = try await context.step(
            "greeting", "waiting for \(server) to send its greeting",
            timeoutHint:
                "the port accepted the connection but sent nothing; MySQL servers speak first, so this is probably not MySQL (or it is overloaded)"
        ) { outcome in
            let greeting = try await readGreeting(wire, context: context)
            outcome.detail = Self.describe(greeting)
            return greeting
        }
        await wire.setMaxPayload(Self.packetLimit)
        let encrypted = try await negotiateTLS(wire, greeting: greeting, context: context)
        try await authenticate(wire, greeting: greeting, encrypted: encrypted, address: dial.address, context: context)
        try await readiness(wire, greeting: greeting, context: context)
    }

    static func describe(_ greeting: MySQLGreeting) -> String {
        let flavor = greeting.isMariaDB ? "MariaDB" : "MySQL"
        var parts = [
            "\(flavor) \(greeting.displayVersion) (protocol \(greeting.protocolVersion), connection \(greeting.connectionID))"
        ]
        if let plugin = greeting.authPluginName { parts.append("default auth plugin \(plugin)") }
        parts.append(greeting.capabilities.contains(.ssl) ? "TLS offered" : "TLS not offered")
        return parts.joined(separator: ", ")
    }

    // MARK: Greeting

    private func budget(_ context: ProbeContext) -> Duration {
        max(.milliseconds(250), context.deadline.remaining - .milliseconds(250))
    }

    func readGreeting(_ wire: MySQLWire, context: ProbeContext) async throws(ProbeFailure) -> MySQLGreeting {
        let budget = self.budget(context)
        let packet: MySQLPacket
        do {
            packet = try await wire.receive(within: budget)
        } catch {
            throw await greetingFailure(error, wire: wire, budget: budget)
        }
        if packet.header == 0xFF {
            let error =
                MySQLServerError.parse(packet.payload) ?? MySQLServerError(code: 0, message: "an unreadable error")
            throw MySQLErrorMapping.failure(
                for: error, user: config.user, database: config.database, server: server,
                product: product, encrypted: false, passwordGiven: config.password != nil)
        }
        let greeting: MySQLGreeting
        do {
            greeting = try MySQLGreeting.parse(packet.payload)
        } catch {
            let first = await wire.received().firstBytes
            if let named = Self.namedPeer(first) {
                throw ProbeFailure(.protocolMismatch, "\(server) answered as \(named), not \(product)", hint: portHint)
            }
            switch error {
            case .unsupportedProtocol(9):
                throw ProbeFailure(
                    .protocolMismatch,
                    "\(server) speaks the pre-4.1 MySQL protocol 9 (MySQL 3.x); Preflight needs protocol 10 (MySQL 4.1 or later)"
                )
            case .unsupportedProtocol(let version):
                throw ProbeFailure(
                    .protocolMismatch,
                    "\(server) sent a packet that is not a MySQL greeting (protocol byte \(version), expected 10; first bytes: \(ProtocolSniffer.preview(first)))",
                    hint: portHint)
            case .truncated(let field), .notText(let field):
                throw ProbeFailure(
                    .protocolMismatch,
                    "\(server) sent a malformed MySQL greeting (bad \(field); first bytes: \(ProtocolSniffer.preview(first)))",
                    hint: portHint)
            }
        }
        guard greeting.capabilities.contains(.protocol41) else {
            throw ProbeFailure(
                .unsupported,
                "\(server) (\(greeting.displayVersion)) does not speak the MySQL 4.1 protocol; Preflight needs MySQL 4.1 or later"
            )
        }
        return greeting
    }

    private var portHint: String { "check the host and port: \(product) listens on 3306 by default" }

    /// A non-MySQL peer named from its first bytes (SSH, HTTP, TLS, PostgreSQL, Redis, a text banner); nil otherwise.
    static func namedPeer(_ bytes: [UInt8]) -> String? {
        guard let peer = ProtocolSniffer.identify(bytes) else { return nil }
        switch peer {
        case .mysql, .mysqlError, .unknown: return nil
        default: return peer.description
        }
    }

    private func greetingFailure(_ error: MySQLWireError, wire: MySQLWire, budget: Duration) async -> ProbeFailure {
        let seen = await wire.received()
        if let named = Self.namedPeer(seen.firstBytes) {
            return ProbeFailure(.protocolMismatch, "\(server) answered as \(named), not \(product)", hint: portHint)
        }
        let preview = ProtocolSniffer.preview(seen.firstBytes)
        switch error {
        case .timedOut:
            if seen.total == 0 {
                return ProbeFailure(
                    .timeout,
                    "\(server) accepted the connection but sent no greeting within \(budget.humanDescription); MySQL servers speak first, so it is probably not \(product), or it is overloaded",
                    hint: portHint)
            }
            if let pending = seen.pending {
                return ProbeFailure(
                    .timeout,
                    "\(server) sent \(pending.have) of the \(pending.announced) bytes its greeting announced, then nothing for \(budget.humanDescription) (first bytes: \(preview))",
                    hint: "a MySQL server sends its whole greeting at once; this is probably not \(product)")
            }
            return ProbeFailure(
                .timeout,
                "\(server) sent \(seen.total) bytes that are not a whole MySQL greeting, then nothing for \(budget.humanDescription) (first bytes: \(preview))",
                hint: portHint)
        case .closed(let pending):
            if seen.total == 0 {
                return ProbeFailure(
                    .serverUnavailable,
                    "\(server) accepted the TCP connection, then closed it without sending a greeting",
                    hint:
                        "a proxy or load balancer with no healthy \(product) behind it, a server refusing this address at the TCP level, or not \(product) at all"
                )
            }
            if let pending {
                return ProbeFailure(
                    .protocolMismatch,
                    "\(server) closed the connection in the middle of its greeting (\(pending.have) of \(pending.announced) bytes; first bytes: \(preview))",
                    hint:
                        "a \(product) server sends its whole greeting; this is probably something else, or a proxy cut it off"
                )
            }
            return ProbeFailure(
                .protocolMismatch,
                "\(server) sent \(seen.total) bytes that are not a MySQL greeting and closed the connection (first bytes: \(preview))",
                hint: portHint)
        case .framing(.tooLarge(let announced, _)):
            return ProbeFailure(
                .protocolMismatch,
                "\(server) announced a first packet of \(announced) bytes, far more than a MySQL greeting (under 1 KiB); it is not \(product) (first bytes: \(preview))",
                hint: portHint)
        case .framing(.outOfOrder(let expected, let received)):
            return ProbeFailure(
                .protocolMismatch,
                "\(server) sent a first packet with sequence id \(received) (a greeting has \(expected)); it is not \(product) (first bytes: \(preview))",
                hint: portHint)
        case .byteLimit:
            return ProbeFailure(
                .protocolMismatch, "\(server) sent far more data than a \(product) greeting; it is not \(product)",
                hint: portHint)
        case .channel(let text):
            return ProbeFailure(
                .unreachable, "the connection to \(server) failed while waiting for its greeting: \(text)")
        }
    }

    // MARK: TLS

    private func clientCapabilities(_ greeting: MySQLGreeting, tls: Bool) -> MySQLCapabilities {
        var capabilities = MySQLCapabilities.wanted.intersection(greeting.capabilities)
        capabilities.insert(.protocol41)
        if tls { capabilities.insert(.ssl) }
        if config.database != nil { capabilities.insert(.connectWithDB) }
        return capabilities
    }

    private func negotiateTLS(_ wire: MySQLWire, greeting: MySQLGreeting, context: ProbeContext)
        async throws(ProbeFailure) -> Bool
    {
        let mode = config.tls.mode
        guard mode != .disable else {
            context.trace.note(
                "tls", status: .skipped,
                detail: "TLS is off (\(config.tlsModeSource)): the connection is not encrypted",
                hint: greeting.capabilities.contains(.ssl)
                    ? "the server offers TLS: set tlsMode to \"preferred\" (or sslMode to verify-full) to use it" : nil)
            return false
        }
        guard greeting.capabilities.contains(.ssl) else {
            if mode.allowsPlaintext {
                context.trace.note(
                    "tls", status: .warning,
                    detail: "the server does not offer TLS; continuing unencrypted (\(config.tlsModeSource))",
                    hint: "configure ssl-cert and ssl-key on the server, then use sslMode verify-full")
                return false
            }
            let failure = ProbeFailure(
                .tls,
                "\(server) does not offer TLS (the greeting lacks CLIENT_SSL), and \(config.tlsModeSource) requires it",
                hint:
                    "configure ssl-cert and ssl-key on the server (SHOW VARIABLES LIKE 'have_ssl' should say YES)\(config.type == .mysql ? ", or set sslMode to prefer or disable" : "")"
            )
            context.trace.note("tls", status: .failed, detail: failure.message, hint: failure.hint)
            throw failure
        }
        let server = self.server
        return try await context.step(
            "tls", "negotiating TLS with \(server)",
            timeoutHint: "the server agreed to TLS but did not finish the handshake"
        ) { outcome in
            let info = try await startTLS(wire, greeting: greeting, settings: config.tls, context: context)
            outcome.detail = info.description
            return true
        }
    }

    /// Sends the SSL request and performs the TLS handshake.
    func startTLS(_ wire: MySQLWire, greeting: MySQLGreeting, settings: TLSSettings, context: ProbeContext)
        async throws(ProbeFailure) -> TLSSessionInfo
    {
        do {
            try await wire.send(MySQLClientMessages.sslRequest(clientCapabilities(greeting, tls: true)))
        } catch {
            throw ProbeFailure(.unreachable, "the connection to \(server) failed while asking for TLS: \(error)")
        }
        return try await TLSUpgrade.perform(on: wire.channel, settings: settings, peerName: server, context: context)
    }

    // MARK: Authentication

    enum LoginOutcome: Sendable {
        case success(MySQLAuthenticator)
        case server(MySQLServerError)
        case failure(ProbeFailure)
    }

    /// Sends the handshake response and runs the auth exchange to its end. Records nothing in the trace.
    func login(_ wire: MySQLWire, greeting: MySQLGreeting, secure: Bool, context: ProbeContext) async -> LoginOutcome {
        var auth = MySQLAuthenticator(
            password: config.password, serverPlugin: greeting.authPluginName, nonce: greeting.scramble,
            secure: secure, serverPublicKeyPEM: config.serverPublicKeyPEM)
        let initial: (plugin: String, data: [UInt8])
        switch auth.initialResponse() {
        case .success(let value): initial = value
        case .failure(let failure): return .failure(describe(failure, auth: auth, secure: secure))
        }
        let response = MySQLClientMessages.handshakeResponse(
            capabilities: clientCapabilities(greeting, tls: secure), user: config.user, authResponse: initial.data,
            database: config.database, pluginName: greeting.capabilities.contains(.pluginAuth) ? initial.plugin : nil)
        do {
            try await wire.send(response)
            for _ in 0..<8 {
                let packet = try await wire.receive(within: budget(context))
                switch auth.handle(packet.payload) {
                case .send(let bytes): try await wire.send(bytes)
                case .wait: continue
                case .authenticated: return .success(auth)
                case .failed(.server(let error)): return .server(error)
                case .failed(let failure): return .failure(describe(failure, auth: auth, secure: secure))
                }
            }
            return .failure(ProbeFailure(.protocolMismatch, "\(server) did not finish the login after eight exchanges"))
        } catch {
            return .failure(loginWireFailure(error))
        }
    }

    private func loginWireFailure(_ error: MySQLWireError) -> ProbeFailure {
        switch error {
        case .closed:
            return ProbeFailure(
                .serverUnavailable, "\(server) closed the connection during login without an error message",
                hint: "the server may be restarting, or a proxy in front of it dropped the connection", transient: true)
        case .timedOut:
            return ProbeFailure(
                .timeout, "\(server) did not answer the login in time",
                hint: "the server accepted the connection but did not finish authenticating; it may be overloaded")
        case .framing(let framing):
            return ProbeFailure(.protocolMismatch, "\(server) answered the login with malformed packets (\(framing))")
        case .byteLimit:
            return ProbeFailure(.protocolMismatch, "\(server) sent far more data during login than \(product) would")
        case .channel(let text):
            return ProbeFailure(.unreachable, "the connection to \(server) failed during login: \(text)")
        }
    }

    private func describe(_ failure: MySQLAuthenticator.Failure, auth: MySQLAuthenticator, secure: Bool) -> ProbeFailure
    {
        let user = config.user
        switch failure {
        case .server(let error):
            return MySQLErrorMapping.failure(
                for: error, user: user, database: config.database, server: server, product: product,
                encrypted: secure, passwordGiven: config.password != nil)
        case .unsupportedPlugin(let plugin):
            return ProbeFailure(
                .unsupported,
                "user \"\(user)\" authenticates with the \(plugin) plugin, which Preflight does not speak (supported: \(MySQLAuthenticator.supportedPlugins.sorted().joined(separator: ", ")))",
                hint:
                    "use a password account for CDC, e.g. ALTER USER \(MySQLConfig.quoted(user))@'%' IDENTIFIED WITH caching_sha2_password BY '...'; (MariaDB: IDENTIFIED VIA ed25519 USING PASSWORD('...'))"
            )
        case .cleartextRequiresTLS(let plugin):
            return ProbeFailure(
                .tls,
                "\(server) asks for user \"\(user)\"'s password in clear text (\(plugin), used by PAM and LDAP accounts), which Preflight only sends over TLS, and this connection is not encrypted",
                hint: "set tlsMode to \"preferred\" (or sslMode to require / verify-full)")
        case .publicKeyUnusable(let reason):
            return ProbeFailure(
                .auth,
                "full authentication of user \"\(user)\" (\(auth.plugin)) needs the password RSA-encrypted, and the key could not be used: \(reason)",
                hint:
                    "connect over TLS (tlsMode \"preferred\" or sslMode require), or give the server's public key in serverPublicKey (SHOW STATUS LIKE 'Caching_sha2_password_rsa_public_key')"
            )
        case .oldPasswordProtocol:
            return ProbeFailure(
                .unsupported,
                "user \"\(user)\" has a pre-4.1 password hash (mysql_old_password), which Preflight does not speak",
                hint: "set a current password: ALTER USER \(MySQLConfig.quoted(user))@'%' IDENTIFIED BY '...';")
        case .unexpected(let text):
            return ProbeFailure(
                .protocolMismatch,
                "\(server) answered the login with \(text); it may not be \(product), or a proxy is rewriting the exchange"
            )
        }
    }

    private func authenticate(
        _ wire: MySQLWire, greeting: MySQLGreeting, encrypted: Bool, address: SocketAddress, context: ProbeContext
    ) async throws(ProbeFailure) {
        let user = config.user
        context.trace.begin(
            "auth", activity: "waiting for \(server) to authenticate user \"\(user)\"",
            timeoutHint:
                "the server accepted the connection but did not finish the login; it may be overloaded, or not \(product)"
        )
        switch await login(wire, greeting: greeting, secure: encrypted, context: context) {
        case .success(let auth):
            var detail =
                "user \"\(user)\" authenticated with \(auth.pluginsUsed.joined(separator: " then ")) \(encrypted ? "over TLS" : "(unencrypted)")"
            if !auth.notes.isEmpty { detail += "; " + auth.notes.joined(separator: "; ") }
            context.trace.end("auth", status: .passed, detail: detail)
            if let database = config.database {
                context.trace.note("database", status: .passed, detail: "using database \"\(database)\"")
            } else {
                context.trace.note(
                    "database", status: .skipped, detail: "no defaultDatabase: connected without a default schema")
            }
        case .server(let error):
            var failure = MySQLErrorMapping.failure(
                for: error, user: user, database: config.database, server: server, product: product,
                encrypted: encrypted, passwordGiven: config.password != nil)
            if error.code == 1049 || error.code == 1044 {
                context.trace.end(
                    "auth", status: .passed,
                    detail: "user \"\(user)\" authenticated \(encrypted ? "over TLS" : "(unencrypted)")")
                context.trace.note("database", status: .failed, detail: failure.message, hint: failure.hint)
                throw failure
            }
            if error.code == 1045, !encrypted, config.password != nil, greeting.capabilities.contains(.ssl),
                await acceptedOverTLS(address: address, context: context)
            {
                let seen = MySQLErrorMapping.account(in: error.message)
                let account = seen.map { "'\($0.user)'@'\($0.host)'" } ?? "\"\(user)\""
                failure = ProbeFailure(
                    .auth,
                    "this account requires TLS: \(server) refused user \(account) on this unencrypted connection (error 1045) and accepted the same credentials over TLS (the account was created with REQUIRE SSL or similar)",
                    hint: "set tlsMode to \"preferred\" (or sslMode to require / verify-full)")
            }
            context.trace.end("auth", status: .failed, detail: failure.message, hint: failure.hint)
            throw failure
        case .failure(let failure):
            context.trace.end("auth", status: .failed, detail: failure.message, hint: failure.hint)
            throw failure
        }
    }

    /// Whether the same credentials log in over TLS (without verifying the certificate) on a second connection:
    /// tells "this account requires TLS" from a wrong password after a 1045 on a plaintext connection.
    private func acceptedOverTLS(address: SocketAddress, context: ProbeContext) async -> Bool {
        // Only for direct connections: a second trip through a tunnel would record its steps again.
        guard context.tunnel == nil, context.deadline.remaining > .milliseconds(500) else { return false }
        do {
            let dial = try await Dialer().connect(to: [address], host: config.host, context: context)
            let wire = try await MySQLWire.attach(to: dial.channel, maxPayload: Self.greetingLimit)
            defer { wire.quit() }
            let greeting = try await readGreeting(wire, context: context)
            await wire.setMaxPayload(Self.packetLimit)
            guard greeting.capabilities.contains(.ssl) else { return false }
            _ = try await startTLS(
                wire, greeting: greeting, settings: TLSSettings(mode: .require, serverName: config.host),
                context: context)
            switch await login(wire, greeting: greeting, secure: true, context: context) {
            case .success: return true
            case .server(let error): return error.code == 1049 || error.code == 1044
            case .failure: return false
            }
        } catch {
            return false
        }
    }

    // MARK: Readiness

    enum QueryError: Error {
        case server(MySQLServerError)
        case wire(ProbeFailure)
    }

    /// Runs one text-protocol query and returns its rows (NULL as nil). Read-only statements only.
    func query(_ wire: MySQLWire, _ sql: String, context: ProbeContext) async throws(QueryError) -> [[String?]] {
        do {
            try await wire.send(MySQLClientMessages.query(sql), newCommand: true)
            let first = try await wire.receive(within: budget(context))
            if first.header == 0xFF {
                throw QueryError.server(
                    MySQLServerError.parse(first.payload) ?? MySQLServerError(code: 0, message: "error"))
            }
            if first.header == 0x00 { return [] }
            var reader = MySQLPayloadReader(first.payload)
            guard let count = try? reader.lengthEncoded("column count"), let columns = Optional(Int(count)),
                (1...4096).contains(columns)
            else {
                throw QueryError.wire(
                    ProbeFailure(.protocolMismatch, "\(server) answered a query with a malformed result set"))
            }
            for _ in 0..<columns {
                let definition = try await wire.receive(within: budget(context))
                if definition.header == 0xFF {
                    throw QueryError.server(
                        MySQLServerError.parse(definition.payload) ?? MySQLServerError(code: 0, message: "error"))
                }
            }
            let eof = try await wire.receive(within: budget(context))
            var rows: [[String?]] = []
            if !isEOF(eof.payload) { rows.append(try Self.row(eof.payload, columns: columns, server: server)) }
            while true {
                let packet = try await wire.receive(within: budget(context))
                if isEOF(packet.payload) { break }
                if packet.header == 0xFF {
                    throw QueryError.server(
                        MySQLServerError.parse(packet.payload) ?? MySQLServerError(code: 0, message: "error"))
                }
                rows.append(try Self.row(packet.payload, columns: columns, server: server))
                guard rows.count <= 10_000 else {
                    throw QueryError.wire(
                        ProbeFailure(
                            .protocolMismatch, "\(server) answered a readiness query with more than 10000 rows"))
                }
            }
            return rows
        } catch let error as QueryError {
            throw error
        } catch let error as MySQLWireError {
            throw .wire(queryWireFailure(error))
        } catch {
            throw .wire(ProbeFailure(.internalError, "a readiness query failed unexpectedly: \(error)"))
        }
    }

    static func row(_ payload: [UInt8], columns: Int, server: String) throws(QueryError) -> [String?] {
        var reader = MySQLPayloadReader(payload)
        var values: [String?] = []
        for _ in 0..<columns {
            let value: [UInt8]?
            do {
                value = try reader.lengthEncodedBytes("column value")
            } catch {
                throw QueryError.wire(ProbeFailure(.protocolMismatch, "\(server) sent a malformed result row"))
            }
            values.append(value.map { String(decoding: $0, as: UTF8.self) })
        }
        return values
    }

    private func queryWireFailure(_ error: MySQLWireError) -> ProbeFailure {
        switch error {
        case .closed:
            return ProbeFailure(
                .serverUnavailable, "\(server) closed the connection during the readiness queries", transient: true)
        case .timedOut:
            return ProbeFailure(.timeout, "\(server) did not answer a readiness query in time")
        default:
            return ProbeFailure(
                .protocolMismatch, "\(server) answered a readiness query with malformed packets (\(error))")
        }
    }

    static let variableNames = [
        "version", "version_comment", "log_bin", "binlog_format", "binlog_row_image", "binlog_expire_logs_seconds",
        "expire_logs_days", "gtid_mode", "enforce_gtid_consistency", "gtid_strict_mode", "gtid_current_pos",
        "aurora_version", "basedir", "server_id", "read_only",
    ]

    func observe(_ wire: MySQLWire, context: ProbeContext) async throws(ProbeFailure) -> MySQLObservations {
        var seen = MySQLObservations()
        let list = Self.variableNames.map { "'\($0)'" }.joined(separator: ", ")
        do {
            let rows = try await query(wire, "SHOW GLOBAL VARIABLES WHERE Variable_name IN (\(list))", context: context)
            var variables: [String: String] = [:]
            for row in rows where row.count >= 2 {
                if let name = row[0] { variables[name.lowercased()] = row[1] ?? "" }
            }
            seen.variables = variables
        } catch {
            try Self.record(error, as: "variables", in: &seen)
        }
        do {
            seen.grants = try await query(wire, "SHOW GRANTS", context: context).compactMap { $0.first ?? nil }
        } catch {
            try Self.record(error, as: "grants", in: &seen)
        }
        do {
            seen.currentUser = try await query(wire, "SELECT CURRENT_USER()", context: context).first?.first ?? nil
        } catch {
            try Self.record(error, as: "current_user", in: &seen)
        }
        let info = MySQLServerInfo(versionString: seen.variables?["version"] ?? "", variables: seen.variables ?? [:])
        if info.isRDS {
            do {
                let rows = try await query(
                    wire, "SELECT value FROM mysql.rds_configuration WHERE name = 'binlog retention hours'",
                    context: context)
                seen.rdsBinlogRetentionHours = .some(rows.first?.first ?? nil)
            } catch {
                try Self.record(error, as: "rds_configuration", in: &seen)
            }
        }
        return seen
    }

    private static func record(_ error: QueryError, as name: String, in seen: inout MySQLObservations)
        throws(ProbeFailure)
    {
        switch error {
        case .server(let serverError): seen.queryErrors[name] = "ERROR \(serverError.code): \(serverError.message)"
        case .wire(let failure): throw failure
        }
    }

    private func readiness(_ wire: MySQLWire, greeting: MySQLGreeting, context: ProbeContext) async throws(ProbeFailure)
    {
        let server = self.server
        let config = self.config
        let checks = try await context.step("readiness", "running read-only readiness queries on \(server)") {
            outcome -> [ReadinessCheck] in
            let seen = try await observe(wire, context: context)
            let info = MySQLServerInfo(
                versionString: seen.variables?["version"] ?? greeting.serverVersion, variables: seen.variables ?? [:])
            let checks = MySQLReadiness.checks(seen, server: info, user: config.user, database: config.database)
            for check in checks { context.trace.check(check) }
            (outcome.status, outcome.detail, outcome.hint) = ReadinessVerdict.step(
                for: checks, isSource: context.isSource, readyFor: "binlog CDC")
            outcome.detail = "\(info.description): " + (outcome.detail ?? "")
            return checks
        }
        if context.isSource, let failure = ReadinessVerdict.sourceFailure(for: checks, server: server) {
            throw failure
        }
    }
}
