import NIOCore
import PreflightCore
import PreflightNetwork

/// Why reading or writing TDS messages stopped.
enum TDSWireError: Error, Sendable {
    /// The peer closed; `pending` is the unfinished packet (bytes had, bytes announced), if any.
    case closed(pending: (have: Int, announced: Int)?)
    case timedOut
    case framing(TDSFramingError)
    /// The peer sent more than a ping may read (InboundByteLimit).
    case byteLimit
    case channel(String)
}

/// Turns inbound bytes into TDS messages for one waiting reader. Only touched on its channel's event loop.
final class TDSMessageHandler: WireReader, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private var reader: TDSMessageReader
    let messages = AwaitedReplies<TDSMessage, TDSWireError>()
    /// The first bytes the peer sent (up to 64), to name what answered when it is not SQL Server.
    private(set) var firstBytes: [UInt8] = []
    private(set) var bytesReceived = 0
    var packetID: UInt8 = 1

    init(maxMessage: Int) {
        reader = TDSMessageReader(maxMessage: maxMessage)
    }

    var pendingPacket: (have: Int, announced: Int)? { reader.pendingPacket }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        feed(unwrapInboundIn(data))
    }

    func feed(_ data: ByteBuffer) {
        var buffer = data
        guard messages.failure == nil else { return }
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        bytesReceived += bytes.count
        if firstBytes.count < 64 { firstBytes += bytes.prefix(64 - firstBytes.count) }
        reader.append(bytes)
        do {
            while let message = try reader.next() { messages.append(message) }
        } catch {
            messages.fail(.framing(error))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        channelInactiveWithoutContext()
        context.fireChannelInactive()
    }

    func channelInactiveWithoutContext() {
        messages.fail(.closed(pending: reader.bufferedBytes > 0 ? reader.pendingPacket : nil))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if isPeerReset(error) {
            // A reset is how many peers close: treat it as the close it is.
            channelInactiveWithoutContext()
        } else {
            messages.fail(error is InboundByteLimitExceeded ? .byteLimit : .channel("\(error)"))
        }
    }
}

/// A TDS connection's message layer over an established channel (TLS, when on, sits below it).
struct TDSWire: Sendable {
    let channel: any Channel
    private let handler: TDSMessageHandler

    private init(channel: any Channel, handler: TDSMessageHandler) {
        self.channel = channel
        self.handler = handler
    }

    /// Adds the message reader at the end of a connected channel's pipeline.
    static func attach(to channel: any Channel, maxMessage: Int) async throws(ProbeFailure) -> TDSWire {
        let handler = TDSMessageHandler(maxMessage: maxMessage)
        try await channel.attach(handler)
        return TDSWire(channel: channel, handler: handler)
    }

    /// The next whole message, within `timeout`.
    func receive(within timeout: Duration) async throws(TDSWireError) -> TDSMessage {
        try await handler.messages.receive(
            within: timeout, on: channel.eventLoop, timedOut: .timedOut, busy: .channel("two reads at once"),
            other: { .channel("\($0)") })
    }

    /// Sends one message as packets of `type`; `then` runs on the event loop right after the write
    /// (before any answer can be read), e.g. to drop TLS after an encrypted LOGIN7.
    func send(
        _ type: UInt8, _ payload: [UInt8], then: (@Sendable (any Channel) throws -> Void)? = nil
    ) async throws(TDSWireError) {
        let handler = self.handler
        let channel = self.channel
        do {
            try await channel.eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
                let bytes = TDSFraming.packets(type: type, payload: payload, packetID: &handler.packetID)
                let written = channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
                do { try then?(channel) } catch { return channel.eventLoop.makeFailedFuture(error) }
                return written
            }.get()
        } catch {
            throw .channel("\(error)")
        }
    }

    /// What the peer has sent so far, for messages about peers that are not SQL Server.
    func received() async -> (firstBytes: [UInt8], total: Int, pending: (have: Int, announced: Int)?) {
        let handler = self.handler
        let seen = try? await channel.eventLoop.submit {
            () -> TDSReceived in
            TDSReceived(firstBytes: handler.firstBytes, total: handler.bytesReceived, pending: handler.pendingPacket)
        }.get()
        guard let seen else { return ([], 0, nil) }
        return (seen.firstBytes, seen.total, seen.pending.map { ($0.have, $0.announced) })
    }

    func close() {
        channel.close(promise: nil)
    }
}

/// What a peer sent so far (for messages about peers that are not SQL Server).
struct TDSReceived: Sendable {
    var firstBytes: [UInt8]
    var total: Int
    var pending: (have: Int, announced: Int)?
}
