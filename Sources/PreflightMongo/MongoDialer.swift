import NIOCore
import PreflightCore
import PreflightNetwork

/// Opens a connection to one MongoDB host with the engine's `Dialer` (egress policy on every address,
/// addresses tried in order, the channel registered with the ping), or through the ping's SSH tunnel,
/// and puts the MongoDB frame reader in the pipeline with `Channel.attach`; bytes the peer sent before
/// the reader was there (an SSH banner) are released to it.
struct MongoDialer: Sendable {
    /// Connects to the first address that accepts, returning the channel and its reader.
    static func connect(
        to addresses: [SocketAddress], address: MongoHostAddress, context: ProbeContext
    ) async throws(ProbeFailure) -> (connection: MongoConnection, socket: SocketAddress, attempts: [String]) {
        // Through the ping's SSH bastion when it has one (each host gets its own channel), else directly.
        let dial: DialResult
        if let tunnel = context.tunnel {
            dial = try await tunnel.open(toHost: address.host, port: address.port, context: context)
        } else {
            dial = try await Dialer().connect(to: addresses, host: address.host, context: context)
        }
        let reader = MongoFrameReader(limit: min(context.inboundByteLimit, MongoWire.maxMessageSize))
        let channel = dial.channel
        guard try await channel.attach(reader) else {
            // The peer closed before the reader was in place: name it from what it said, if anything.
            let shown = Dialer.describe(dial.address)
            let said = (try? await channel.eventLoop.submit { reader.firstBytes }.get()) ?? []
            if let peer = ProtocolSniffer.identify(said) {
                throw ProbeFailure(
                    .protocolMismatch, "\(shown) answered as \(peer.description), not MongoDB",
                    hint:
                        "check the host and port: MongoDB listens on \(ConnectorType.mongodb.defaultPort ?? 0) by default"
                )
            }
            throw ProbeFailure(
                .serverUnavailable, "\(shown) closed the connection right after accepting it",
                hint: "a proxy or load balancer with no healthy backend, or a server refusing this client, does this",
                transient: true)
        }
        return (MongoConnection(channel: channel, address: address, reader: reader), dial.address, dial.attempts)
    }
}
