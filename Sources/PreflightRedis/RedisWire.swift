import NIOCore
import PreflightCore
import PreflightNetwork

/// Why reading replies stopped.
enum RedisWireError: Error, Sendable {
    /// The peer closed the connection; `buffered` bytes of an unfinished reply had arrived.
    case closed(buffered: Int)
    case timedOut
    /// The bytes are not RESP, or break `RESPLimits`.
    case protocolError(RESPProtocolError)
    /// The peer sent more than a ping may read (InboundByteLimit), or piled up replies nobody asked for.
    case byteLimit
    case channel(String)
}

/// Decodes inbound bytes into RESP values and hands them to one waiting reader. Push messages are
/// dropped. Only touched on its channel's event loop.
final class RedisReplyHandler: WireReader, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    /// More unread replies than this is a flood, not answers.
    static let maxQueued = 64
    /// Never hold more undecoded bytes than this.
    static let maxBuffered = 1 << 20

    private let limits: RESPLimits
    private var buffer: [UInt8] = []
    let replies = AwaitedReplies<RESPValue, RedisWireError>()
    /// The first bytes the peer sent (up to 64), for naming what answered when it is not Redis.
    private(set) var firstBytes: [UInt8] = []
    private(set) var bytesReceived = 0

    init(limits: RESPLimits) {
        self.limits = limits
    }

    var bufferedBytes: Int { buffer.count }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        feed(unwrapInboundIn(data))
    }

    func feed(_ data: ByteBuffer) {
        guard replies.failure == nil else { return }
        var data = data
        let bytes = data.readBytes(length: data.readableBytes) ?? []
        bytesReceived += bytes.count
        if firstBytes.count < 64 { firstBytes += bytes.prefix(64 - firstBytes.count) }
        buffer += bytes
        do {
            var start = 0
            while let (value, next) = try RESPDecoder.decode(buffer, from: start, limits: limits) {
                start = next
                if case .push = value { continue }
                if replies.count >= Self.maxQueued {
                    replies.fail(.byteLimit)
                    break
                }
                replies.append(value)
            }
            if start > 0 { buffer.removeFirst(start) }
            if buffer.count > Self.maxBuffered { replies.fail(.byteLimit) }
        } catch {
            replies.fail(.protocolError(error))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        channelInactiveWithoutContext()
        context.fireChannelInactive()
    }

    func channelInactiveWithoutContext() {
        replies.fail(.closed(buffered: buffer.count))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is InboundByteLimitExceeded {
            replies.fail(.byteLimit)
        } else if isPeerReset(error) {
            // A reset is how many servers hang up (a TLS port reading plaintext, say).
            replies.fail(.closed(buffered: buffer.count))
        } else {
            replies.fail(.channel("\(error)"))
        }
    }

}

/// A Redis connection's command/reply layer over an established (and, when asked, TLS) channel.
struct RedisWire: Sendable {
    let channel: any Channel
    private let handler: RedisReplyHandler

    private init(channel: any Channel, handler: RedisReplyHandler) {
        self.channel = channel
        self.handler = handler
    }

    /// Adds the reply reader at the end of the pipeline (after TLS, when TLS is on) and lets through
    /// what arrived before it (a peer that speaks first — SSH, an error banner — is read, not lost).
    static func attach(to channel: any Channel, limits: RESPLimits = .ping) async throws(ProbeFailure) -> RedisWire {
        let handler = RedisReplyHandler(limits: limits)
        try await channel.attach(handler)
        return RedisWire(channel: channel, handler: handler)
    }

    /// Sends one command.
    func send(_ arguments: [String]) async throws(RedisWireError) {
        let channel = self.channel
        do {
            try await channel.eventLoop.flatSubmit {
                channel.writeAndFlush(channel.allocator.buffer(bytes: RESPEncoder.command(arguments)))
            }.get()
        } catch {
            if !channel.isActive { throw .closed(buffered: 0) }
            throw .channel("\(error)")
        }
    }

    /// The next reply, within `timeout`.
    func receive(within timeout: Duration) async throws(RedisWireError) -> RESPValue {
        try await handler.replies.receive(
            within: timeout, on: channel.eventLoop, timedOut: .timedOut, busy: .channel("two reads at once"),
            other: { .channel("\($0)") })
    }

    /// Sends a command and waits for its reply.
    func call(_ arguments: [String], within timeout: Duration) async throws(RedisWireError) -> RESPValue {
        try await send(arguments)
        return try await receive(within: timeout)
    }

    /// What the peer has sent so far.
    func received() async -> (firstBytes: [UInt8], total: Int, buffered: Int) {
        let handler = self.handler
        return
            (try? await channel.eventLoop.submit { (handler.firstBytes, handler.bytesReceived, handler.bufferedBytes) }
            .get()) ?? ([], 0, 0)
    }

    /// QUIT, then close (without waiting for the server).
    func quit() {
        let channel = self.channel
        channel.eventLoop.execute {
            channel.writeAndFlush(channel.allocator.buffer(bytes: RESPEncoder.command(["QUIT"]))).whenComplete { _ in
                channel.close(promise: nil)
            }
        }
    }
}
