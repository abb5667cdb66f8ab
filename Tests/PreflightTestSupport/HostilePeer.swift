import NIOCore
import NIOPosix
import Synchronization

/// A TCP server on 127.0.0.1 (a free port) that misbehaves in one chosen way, for testing how a probe
/// copes with peers that are not the database it expects: silent ports, SSH or HTTP servers, garbage,
/// slow drips, floods, and connections that close half-way.
///
/// ```swift
/// let peer = try await HostilePeer(.banner("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"))
/// defer { Task { await peer.shutdown() } }
/// // ... point a probe at 127.0.0.1:\(peer.port) ...
/// ```
///
/// Every connection it accepts gets the same behaviour. Call `shutdown()` when done: it closes the
/// listening socket and every connection still open.
public final class HostilePeer: Sendable {
    /// How the peer treats each connection it accepts.
    public enum Behaviour: Sendable {
        /// Accepts, reads and discards everything, never sends, never closes.
        case silent
        /// Sends `bytes` one byte per `interval` (the first one `interval` after accept), then stays open and silent.
        case drip(bytes: [UInt8], interval: Duration)
        /// Waits for the client's first bytes, then sends `bytes` one byte per `interval` (the first one
        /// `interval` later), then stays open and silent: a drip that can only arrive after the client spoke.
        case dripReply(bytes: [UInt8], interval: Duration)
        /// Sends `bytes` right after accepting, before the client says anything; then stays open and silent.
        case garbage([UInt8])
        /// Waits for the client's first bytes, answers them with `bytes`, then stays open and silent.
        case replyWith([UInt8])
        /// Sends a text banner right after accepting (e.g. "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"), then stays silent.
        case banner(String)
        /// Answers the client's first bytes with a PostgreSQL-style message header announcing a huge
        /// length (`HostilePeer.hugeLengthHeader`), then streams zero bytes as fast as the client takes them,
        /// at most `HostilePeer.floodLimit` bytes in all, stopping when the client closes.
        case hugeLengthThenFlood
        /// Like `hugeLengthThenFlood` with a header of your choice, sent on accept (`onAccept`) or as the
        /// answer to the client's first bytes.
        case flood(header: [UInt8], onAccept: Bool)
        /// Waits for the client's first bytes, answers them with `bytes` and closes the connection
        /// ("closes mid-message" when `bytes` is a truncated message).
        case closeAfter(bytes: [UInt8])
        /// Sends `bytes` right after accepting, then closes (a truncated greeting, for protocols where the server speaks first).
        case sendOnAcceptThenClose([UInt8])
        /// Closes every connection as soon as it is accepted.
        case acceptAndClose
        /// Waits for the client's first bytes, answers them with `reply` in plaintext, then calls `upgrade`
        /// on the event loop so it can add handlers (e.g. a TLS server handler at `.first`) that take the
        /// connection over. This is how a test serves PostgreSQL's `S` answer followed by TLS without this
        /// module depending on NIOSSL.
        case answerThenUpgrade(reply: [UInt8], upgrade: @Sendable (any Channel) throws -> Void)
    }

    /// The header `hugeLengthThenFlood` sends: PostgreSQL's 'R' (authentication) message type and a
    /// length of 0x7FFF_FFF0 bytes.
    public static let hugeLengthHeader: [UInt8] = [UInt8(ascii: "R"), 0x7F, 0xFF, 0xFF, 0xF0]

    /// The most a flood sends on one connection: 64 MiB.
    public static let floodLimit = 64 << 20

    /// The port the peer listens on (on 127.0.0.1).
    public let port: Int
    /// What the peer does.
    public let behaviour: Behaviour

    private let serverChannel: any Channel
    private let stats: PeerStats

    /// Starts listening on 127.0.0.1 on a free port.
    public init(_ behaviour: Behaviour, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws
    {
        let stats = PeerStats()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    stats.accepted(channel)
                    try channel.pipeline.syncOperations.addHandler(PeerHandler(behaviour: behaviour, stats: stats))
                }
            }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else {
            try? await channel.close()
            throw HostilePeerError.noPort
        }
        self.serverChannel = channel
        self.port = port
        self.behaviour = behaviour
        self.stats = stats
    }

    /// Connections accepted so far.
    public var connectionCount: Int { stats.snapshot.accepted }
    /// Connections accepted and not yet closed.
    public var openConnections: Int { stats.snapshot.open }
    /// Bytes received from clients, over all connections.
    public var bytesReceived: Int { stats.snapshot.bytesReceived }
    /// Bytes the peer has handed to its sockets (for a flood: queued for sending), over all connections.
    public var bytesSent: Int { stats.snapshot.bytesSent }
    /// The first bytes received (up to 64 KiB, all connections in order of arrival).
    public var received: [UInt8] { stats.snapshot.received }

    /// Closes the listening socket and every open connection.
    public func shutdown() async {
        try? await serverChannel.close()
        for channel in stats.takeChildren() {
            try? await channel.close()
        }
    }
}

/// Why a hostile peer could not start.
public enum HostilePeerError: Error {
    case noPort
}

/// Counters shared by a peer's connections.
final class PeerStats: Sendable {
    struct State {
        var accepted = 0
        var open = 0
        var bytesReceived = 0
        var bytesSent = 0
        var received: [UInt8] = []
        var children: [ObjectIdentifier: any Channel] = [:]
    }

    private let state = Mutex(State())

    var snapshot: State { state.withLock { $0 } }

    func accepted(_ channel: any Channel) {
        state.withLock {
            $0.accepted += 1
            $0.open += 1
            $0.children[ObjectIdentifier(channel)] = channel
        }
    }

    func closed(_ channel: any Channel) {
        state.withLock {
            if $0.children.removeValue(forKey: ObjectIdentifier(channel)) != nil { $0.open -= 1 }
        }
    }

    func received(_ bytes: ByteBuffer) {
        state.withLock {
            $0.bytesReceived += bytes.readableBytes
            let room = (64 << 10) - $0.received.count
            if room > 0 {
                $0.received += bytes.getBytes(at: bytes.readerIndex, length: min(room, bytes.readableBytes)) ?? []
            }
        }
    }

    func sent(_ count: Int) {
        state.withLock { $0.bytesSent += count }
    }

    func takeChildren() -> [any Channel] {
        state.withLock { state in
            defer { state.children = [:] }
            return Array(state.children.values)
        }
    }
}

/// The per-connection behaviour. Only touched on its channel's event loop.
final class PeerHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let behaviour: HostilePeer.Behaviour
    private let stats: PeerStats
    private var answered = false
    private var drip: RepeatedTask?
    private var dripped = 0
    private var flooding = false
    private var flooded = 0

    init(behaviour: HostilePeer.Behaviour, stats: PeerStats) {
        self.behaviour = behaviour
        self.stats = stats
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        switch behaviour {
        case .garbage(let bytes):
            send(bytes, context: context)
        case .banner(let text):
            send(Array(text.utf8), context: context)
        case .sendOnAcceptThenClose(let bytes):
            send(bytes, context: context, thenClose: true)
        case .acceptAndClose:
            context.close(promise: nil)
        case .flood(let header, onAccept: true):
            startFlood(header: header, context: context)
        case .drip(let bytes, let interval):
            startDrip(bytes, interval: interval, context: context)
        case .silent, .replyWith, .hugeLengthThenFlood, .flood, .closeAfter, .answerThenUpgrade, .dripReply:
            break
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        stats.received(buffer)
        guard !answered else { return }
        answered = true
        switch behaviour {
        case .replyWith(let bytes):
            send(bytes, context: context)
        case .dripReply(let bytes, let interval):
            startDrip(bytes, interval: interval, context: context)
        case .closeAfter(let bytes):
            send(bytes, context: context, thenClose: true)
        case .hugeLengthThenFlood:
            startFlood(header: HostilePeer.hugeLengthHeader, context: context)
        case .flood(let header, onAccept: false):
            startFlood(header: header, context: context)
        case .answerThenUpgrade(let reply, let upgrade):
            send(reply, context: context)
            do {
                try upgrade(context.channel)
            } catch {
                context.close(promise: nil)
            }
        case .silent, .drip, .garbage, .banner, .acceptAndClose, .sendOnAcceptThenClose, .flood:
            break
        }
    }

    private func startDrip(_ bytes: [UInt8], interval: Duration, context: ChannelHandlerContext) {
        guard !bytes.isEmpty else { return }
        let step = TimeAmount.nanoseconds(
            Int64(interval.components.seconds) * 1_000_000_000 + interval.components.attoseconds / 1_000_000_000)
        let loopBound = NIOLoopBound((context: context, handler: self), eventLoop: context.eventLoop)
        drip = context.eventLoop.scheduleRepeatedTask(initialDelay: step, delay: step) { task in
            let (context, handler) = loopBound.value
            guard handler.dripped < bytes.count, context.channel.isActive else {
                task.cancel()
                return
            }
            handler.send([bytes[handler.dripped]], context: context)
            handler.dripped += 1
            if handler.dripped == bytes.count { task.cancel() }
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if flooding { pump(context: context) }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        flooding = false
        drip?.cancel()
        drip = nil
        stats.closed(context.channel)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A client that resets the connection mid-flood is expected; just stop.
        flooding = false
        context.close(promise: nil)
    }

    private func send(_ bytes: [UInt8], context: ChannelHandlerContext, thenClose: Bool = false) {
        guard !bytes.isEmpty else {
            if thenClose { context.close(promise: nil) }
            return
        }
        let buffer = context.channel.allocator.buffer(bytes: bytes)
        stats.sent(bytes.count)
        if thenClose {
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in
                loopBound.value.close(promise: nil)
            }
        } else {
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        }
    }

    private func startFlood(header: [UInt8], context: ChannelHandlerContext) {
        send(header, context: context)
        flooding = true
        pump(context: context)
    }

    /// Writes 64 KiB chunks of zeros while the socket takes them, up to the flood limit.
    private func pump(context: ChannelHandlerContext) {
        let chunk = 64 << 10
        while flooding, context.channel.isActive, context.channel.isWritable, flooded < HostilePeer.floodLimit {
            let size = min(chunk, HostilePeer.floodLimit - flooded)
            let buffer = context.channel.allocator.buffer(repeating: 0, count: size)
            flooded += size
            stats.sent(size)
            context.write(wrapOutboundOut(buffer), promise: nil)
        }
        if flooded >= HostilePeer.floodLimit { flooding = false }
        context.flush()
    }
}
