import Logging
import NIOCore
import PostgresNIO
import PreflightCore
import PreflightNetwork

/// A ping of a PostgreSQL-wire server: dns, connect, tls (libpq's SSLRequest), auth, database,
/// then read-only readiness checks for logical replication, or as a destination the privileges to
/// write (and, only with `writeTest: true`, one table created and dropped).
struct PostgresProbe: Probe {
    let config: PostgresConfig
    /// Set for a destination ping (`connectionRole: "destination"`, or Redshift).
    var destination: PostgresDestination?
    /// `writeTest: true` given without a destination role: noted as skipped, never run.
    var writeTestIgnored = false

    var target: PingTarget { PingTarget(host: config.host, port: config.port) }

    private var product: String { config.type.productName }
    var server: String { "\(config.host):\(config.port)" }

    func run(in context: ProbeContext) async throws(ProbeFailure) {
        let dial = try await context.resolveAndConnect(config.host, port: config.port)
        let channel = dial.channel
        let encrypted = try await negotiateTLS(on: channel, context: context)
        let mismatch = MismatchRecord()
        let scram = PostgresSCRAMRecord()
        let password = config.password
        do {
            try await channel.eventLoop.submit {
                // PostgreSQL's first message after startup is R (auth), E (error), N (notice) or v (version).
                let guardHandler = FirstBytesGuard(record: mismatch) { byte in
                    byte == UInt8(ascii: "R") || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "N")
                        || byte == UInt8(ascii: "v")
                }
                try channel.pipeline.syncOperations.addHandler(guardHandler)
                try channel.pipeline.syncOperations.addHandler(PostgresSCRAMHandler(password: password, record: scram))
                channel.releaseEarlyBytes()
            }.get()
        } catch ChannelError.ioOnClosedChannel {
            throw ProbeFailure(
                .serverUnavailable, "\(server) closed the connection right after accepting it",
                hint: "a proxy or load balancer with no healthy backend, or a server refusing this client, does this",
                transient: true)
        } catch {
            throw ProbeFailure(.internalError, "could not prepare the connection: \(error)")
        }
        let connection = try await authenticate(
            on: channel, encrypted: encrypted, mismatch: mismatch, scram: scram, context: context)
        defer { Task { try? await connection.close() } }
        try await readiness(connection, context: context)
    }

    // MARK: TLS

    /// libpq's SSLRequest: 'S' means go ahead with TLS, 'N' means no TLS here.
    private func negotiateTLS(on channel: any Channel, context: ProbeContext) async throws(ProbeFailure) -> Bool {
        let mode = config.tls.mode
        guard mode != .disable else {
            context.trace.note(.tls, status: .skipped, detail: "sslMode is disable: the connection is not encrypted")
            return false
        }
        let product = self.product
        let server = self.server
        return try await context.step(
            .tls, "waiting for \(server) to answer the TLS request",
            timeoutHint: "the port accepted the connection but the server said nothing; is this a \(product) port?"
        ) { outcome in
            var request = channel.allocator.buffer(capacity: 8)
            request.writeInteger(UInt32(8))
            request.writeInteger(UInt32(80_877_103))
            let budget = context.budget()
            let answer: PeerResponse
            do {
                answer = try await channel.exchange(request, maxBytes: 512, timeout: budget) { buffer in
                    Self.isCompleteSSLAnswer(buffer.peekBytes)
                }
            } catch {
                throw Self.readFailure(error, server: server, product: product)
            }
            let bytes = answer.bytes.peekBytes
            switch bytes.first {
            case UInt8(ascii: "S") where bytes.count == 1:
                let info = try await TLSUpgrade.perform(
                    on: channel, settings: config.tls, peerName: server, context: context)
                outcome.detail = info.description
                return true
            case UInt8(ascii: "N") where bytes.count == 1:
                if mode.allowsPlaintext {
                    outcome.status = .warning
                    outcome.detail = "the server does not offer TLS; continuing unencrypted (sslMode prefer)"
                    outcome.hint = "enable ssl on the server, then use sslMode verify-full"
                    return false
                }
                throw ProbeFailure(
                    .tls, "\(server) does not accept TLS connections, and sslMode \(mode.rawValue) requires TLS",
                    hint:
                        "turn on ssl in postgresql.conf (ssl = on with a certificate), or set sslMode to prefer or disable"
                )
            case nil:
                if answer.ending == .closed {
                    throw ProbeFailure(
                        .protocolMismatch,
                        "\(server) closed the connection without answering the TLS request; it is probably not \(product)"
                    )
                }
                throw ProbeFailure(
                    .timeout,
                    "\(server) accepted the connection but sent nothing within \(budget.humanDescription) after the TLS request; it is probably not \(product), or it is overloaded",
                    hint: "check that the port is \(product)'s (\(config.type.defaultPort ?? 5432) by default)")
            default:
                throw Self.mismatch(
                    bytes, server: server, product: product, defaultPort: config.type.defaultPort ?? 5432)
            }
        }
    }

    /// Whether the answer to the SSLRequest is whole: one byte S/N, or enough of anything else to identify it.
    static func isCompleteSSLAnswer(_ bytes: [UInt8]) -> Bool {
        guard let first = bytes.first else { return false }
        if first == UInt8(ascii: "S") || first == UInt8(ascii: "N") { return true }
        if first == UInt8(ascii: "E"), bytes.count >= 5 {
            let length = Int(bytes[1]) << 24 | Int(bytes[2]) << 16 | Int(bytes[3]) << 8 | Int(bytes[4])
            return bytes.count >= min(length + 1, 512)
        }
        return bytes.contains(0x0a) || bytes.count >= 64
            || ProtocolSniffer.identify(bytes).map { if case .unknown = $0 { false } else { true } } ?? false
    }

    static func mismatch(_ bytes: [UInt8], server: String, product: String, defaultPort: Int) -> ProbeFailure {
        let peer = ProtocolSniffer.identify(bytes) ?? .unknown(preview: ProtocolSniffer.preview(bytes))
        if case .postgres = peer {
            return ProbeFailure(
                .protocolMismatch,
                "\(server) answered the TLS request with an error; it may be a very old PostgreSQL or a proxy that does not support TLS negotiation"
            )
        }
        return ProbeFailure(
            .protocolMismatch, "\(server) answered as \(peer.description), not \(product)",
            hint: "check the host and port: \(product) listens on \(defaultPort) by default")
    }

    static func readFailure(_ error: any Error, server: String, product: String) -> ProbeFailure {
        if error is InboundByteLimitExceeded {
            return ProbeFailure(
                .protocolMismatch, "\(server) sent far more data than \(product) would; it is not \(product)")
        }
        return brokenConnection(error, server: server, while: "waiting for its answer")
    }

    // MARK: Authentication

    private func authenticate(
        on channel: any Channel, encrypted: Bool, mismatch: MismatchRecord, scram: PostgresSCRAMRecord,
        context: ProbeContext
    ) async throws(ProbeFailure) -> PostgresConnection {
        var configuration = PostgresConnection.Configuration(
            establishedChannel: channel, tls: .disable, username: config.user, password: config.password,
            database: config.database)
        configuration.options.requireBackendKeyData = false
        configuration.options.additionalStartupParameters = [("application_name", "preflight")]
        var quiet = context.logger
        quiet.logLevel = .critical
        let user = config.user
        let database = config.database
        let server = self.server
        let product = self.product
        context.trace.begin(
            .auth, activity: "waiting for \(server) to authenticate user \"\(user)\"",
            timeoutHint:
                "the server accepted the connection but did not finish the login; it may be overloaded, or not \(product)"
        )
        do {
            let connection = try await PostgresConnection.connect(
                on: channel.eventLoop, configuration: configuration, id: 1, logger: quiet)
            context.trace.end(
                .auth, status: .passed,
                detail: "user \"\(user)\" authenticated\(encrypted ? " over TLS" : " (unencrypted)")")
            context.trace.note(.database, status: .passed, detail: "connected to database \"\(database)\"")
            return connection
        } catch let error as PSQLError {
            let failure = map(error, mismatch: mismatch, scram: scram, encrypted: encrypted)
            if failure.category == .databaseNotFound {
                context.trace.end(.auth, status: .passed, detail: "user \"\(user)\" authenticated")
                context.trace.note(.database, status: .failed, detail: failure.message, hint: failure.hint)
            } else {
                context.trace.end(.auth, status: .failed, detail: failure.message, hint: failure.hint)
            }
            throw failure
        } catch {
            let failure = ProbeFailure(
                .internalError, "authenticating with \(server) failed unexpectedly: \(type(of: error))")
            context.trace.end(.auth, status: .failed, detail: failure.message)
            throw failure
        }
    }

    private func map(_ error: PSQLError, mismatch: MismatchRecord, scram: PostgresSCRAMRecord, encrypted: Bool)
        -> ProbeFailure
    {
        if let peer = mismatch.peer {
            return ProbeFailure(
                .protocolMismatch, "\(server) answered as \(peer.description), not \(product)",
                hint: "check the host and port: \(product) listens on \(config.type.defaultPort ?? 5432) by default")
        }
        if let failure = scram.failure {
            return PostgresErrorMapping.scramFailure(failure, server: server)
        }
        if let underlying = error.underlying, underlying is InboundByteLimitExceeded {
            return ProbeFailure(
                .protocolMismatch,
                "\(server) sent far more data than \(product) would during login; it is not \(product)")
        }
        switch error.code {
        case .server:
            let info = error.serverInfo
            let serverError = PostgresServerError(
                sqlState: info?[.sqlState] ?? "", message: info?[.message] ?? "unknown error",
                detail: info?[.detail], hint: info?[.hint])
            return PostgresErrorMapping.failure(
                for: serverError, user: config.user, database: config.database, server: server, encrypted: encrypted)
        case .authMechanismRequiresPassword:
            return ProbeFailure(
                .auth, "\(server) asks user \"\(config.user)\" for a password, and none was given",
                hint: "set sharedConfig.password")
        case .unsupportedAuthMechanism:
            return ProbeFailure(
                .unsupported,
                "\(server) asks for an authentication method Preflight does not speak (such as Kerberos/GSSAPI, SSPI or a certificate); supported: SCRAM-SHA-256, MD5, password",
                hint: "allow scram-sha-256 for this user in pg_hba.conf")
        case .saslError:
            return ProbeFailure(
                .auth,
                "SCRAM authentication with \(server) failed: the server's proof did not verify or the exchange was malformed",
                hint: "check the password; a proxy rewriting authentication can also cause this")
        case .serverClosedConnection, .uncleanShutdown:
            return ProbeFailure(
                .serverUnavailable, "\(server) closed the connection during login without an error message",
                hint: "the server may be restarting, or a proxy in front of it dropped the connection", transient: true)
        case .messageDecodingFailure, .unexpectedBackendMessage, .receivedUnencryptedDataAfterSSLRequest:
            return ProbeFailure(
                .protocolMismatch, "\(server) answered the login with something that is not the \(product) protocol")
        case .connectionError:
            if error.underlying is ChannelError
                || isPeerReset(error.underlying)
            {
                return ProbeFailure(
                    .serverUnavailable, "\(server) closed the connection during login without an error message",
                    hint:
                        "a proxy or load balancer with no healthy backend, or a server refusing this client, does this",
                    transient: true)
            }
            return ProbeFailure(.unreachable, "the connection to \(server) failed during login")
        default:
            return ProbeFailure(.internalError, "login to \(server) failed: \(error.code)")
        }
    }

    // MARK: Readiness

    private func readiness(_ connection: PostgresConnection, context: ProbeContext) async throws(ProbeFailure) {
        if let destination {
            try await destinationReadiness(connection, destination, context: context)
            return
        }
        if writeTestIgnored {
            context.trace.note(
                .writeTest, status: .skipped,
                detail: "writeTest applies to destinations: set connectionRole to \"destination\"")
        }
        guard config.type == .postgresql else {
            let version = try? await PostgresQueries.scalar(connection, "SELECT version()", logger: context.logger)
            context.trace.note(.server, status: .passed, detail: version ?? "connected")
            context.trace.note(
                .readiness, status: .skipped,
                detail: config.type == .redshift
                    ? "Redshift is a destination: no replication checks"
                    : "CockroachDB changefeed checks are not implemented yet")
            return
        }
        let checks = try await context.step(.readiness, "running read-only readiness queries on \(server)") {
            outcome -> [ReadinessCheck] in
            let seen = await PostgresQueries.observe(connection, logger: context.logger)
            let checks = PostgresReadiness.checks(seen, user: config.user, database: config.database)
            for check in checks { context.trace.check(check) }
            (outcome.status, outcome.detail, outcome.hint) = ReadinessVerdict.step(
                for: checks, isSource: context.isSource, readyFor: "logical replication")
            return checks
        }
        if context.isSource, let failure = ReadinessVerdict.sourceFailure(for: checks, server: server) {
            throw failure
        }
    }
}
