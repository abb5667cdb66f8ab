import NIOCore
import PreflightCore
import PreflightNetwork

/// The greeting: the first packet a MySQL server sends, read and named (or the peer named when it is not MySQL).
extension MySQLProbe {
    func readGreeting(_ wire: MySQLWire, context: ProbeContext) async throws(ProbeFailure) -> MySQLGreeting {
        let budget = context.budget()
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

    private var portHint: String {
        "check the host and port: \(product) listens on \(config.type.defaultPort ?? 0) by default"
    }

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
}
