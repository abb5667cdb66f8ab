import NIOCore
import PreflightCore
import PreflightNetwork

/// The PRELOGIN exchange, and what a peer that does not answer it is.
extension MSSQLProbe {
    /// The client's PRELOGIN: its version, the encryption it asks for, no instance, no MARS.
    static func clientPrelogin(_ request: TDSEncryption) -> TDSPrelogin {
        TDSPrelogin(version: (1, 0, 0, 0), encryption: request, instance: "", threadID: 0, mars: false)
    }

    func prelogin(_ wire: TDSWire, request: TDSEncryption, server: String, context: ProbeContext)
        async throws(ProbeFailure) -> TDSPrelogin
    {
        let budget = context.budget()
        let message: TDSMessage
        do throws(TDSWireError) {
            // A peer that closed at once fails the send; the read then says what happened.
            try? await wire.send(TDSPacketType.prelogin, Self.clientPrelogin(request).encode())
            message = try await wire.receive(within: budget)
        } catch {
            throw await preloginFailure(error, wire: wire, server: server, budget: budget)
        }
        do {
            return try TDSPrelogin.parse(message.payload)
        } catch {
            let first = await wire.received().firstBytes
            throw ProbeFailure(
                .protocolMismatch,
                "\(server) answered PRELOGIN with something that is not a SQL Server PRELOGIN response (\(error); first bytes: \(ProtocolSniffer.preview(first)))",
                hint: portHint)
        }
    }

    var portHint: String {
        "check the host and port: SQL Server listens on 1433 by default (a named instance on the port SQL Server Configuration Manager shows)"
    }

    /// A peer that is something else, named from its first bytes; nil when it cannot be named.
    static func namedPeer(_ bytes: [UInt8]) -> String? {
        guard let peer = ProtocolSniffer.identify(bytes) else { return nil }
        if case .unknown = peer { return nil }
        return peer.description
    }

    func preloginFailure(_ error: TDSWireError, wire: TDSWire, server: String, budget: Duration) async -> ProbeFailure {
        let seen = await wire.received()
        if case .tls = ProtocolSniffer.identify(seen.firstBytes) {
            // A TLS record in answer to PRELOGIN: the server wants TLS first, as TDS 8.0 strict encryption does.
            return ProbeFailure(
                .tls,
                "\(server) answered PRELOGIN with TLS: it expects TLS first, as SQL Server 2022's strict encryption (TDS 8.0) does",
                hint:
                    "set strictEncryption to true (TDS 8.0: TLS first, then PRELOGIN and the login inside it), or check that the port is SQL Server's"
            )
        }
        if let named = Self.namedPeer(seen.firstBytes) {
            return ProbeFailure(.protocolMismatch, "\(server) answered as \(named), not SQL Server", hint: portHint)
        }
        let preview = ProtocolSniffer.preview(seen.firstBytes)
        switch error {
        case .timedOut:
            if seen.total == 0 {
                return ProbeFailure(
                    .timeout,
                    "\(server) accepted the connection but did not answer PRELOGIN within \(budget.humanDescription); it is probably not SQL Server, or it is overloaded",
                    hint: portHint)
            }
            return ProbeFailure(
                .timeout,
                "\(server) sent \(seen.total) bytes that are not a whole PRELOGIN response, then nothing for \(budget.humanDescription) (first bytes: \(preview))",
                hint: portHint)
        case .closed(let pending):
            if seen.total == 0 {
                return ProbeFailure(
                    .serverUnavailable,
                    "\(server) accepted the TCP connection, then closed it without answering PRELOGIN",
                    hint:
                        "a proxy or load balancer with no healthy SQL Server behind it, a server refusing this address, or not SQL Server at all",
                    transient: true)
            }
            if let pending {
                return ProbeFailure(
                    .protocolMismatch,
                    "\(server) closed the connection in the middle of its PRELOGIN response (\(pending.have) of \(pending.announced) bytes; first bytes: \(preview))",
                    hint: portHint)
            }
            return ProbeFailure(
                .protocolMismatch,
                "\(server) sent \(seen.total) bytes that are not TDS and closed the connection (first bytes: \(preview))",
                hint: portHint)
        case .framing(let framing):
            let what: String
            switch framing {
            case .badLength(let length): what = "a TDS packet length of \(length) (TDS allows 8 to 32767)"
            case .unexpectedType(let type): what = "packet type \(type) (a SQL Server answers with type 4)"
            case .tooLarge(let size, _): what = "a message of more than \(size) bytes"
            }
            return ProbeFailure(
                .protocolMismatch,
                "\(server) is not SQL Server: it answered PRELOGIN with \(what) (first bytes: \(preview))",
                hint: portHint)
        case .byteLimit:
            return ProbeFailure(
                .protocolMismatch, "\(server) sent far more data than a PRELOGIN response; it is not SQL Server",
                hint: portHint)
        case .channel(let text):
            return ProbeFailure(.unreachable, "the connection to \(server) failed during PRELOGIN: \(text)")
        }
    }
}
