import NIOCore
import PreflightCore
import PreflightNetwork
import Synchronization

/// Why reading frames stopped.
enum CQLWireError: Error, Sendable {
    /// The peer closed the connection; `buffered` bytes of an unfinished frame had arrived.
    case closed(buffered: Int)
    case timedOut
    /// The bytes are not CQL frames (or break the ping's limits).
    case protocolError(CQLFrameError)
    /// The peer sent more than a ping may read, or piled up frames nobody asked for.
    case byteLimit
    case channel(String)
}

/// Splits inbound bytes into frames and hands them to one waiting reader; server events (stream -1)
/// are dropped. Only touched on its channel's event loop.
final class CQLFrameHandler: WireReader, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    /// More unread frames than this is a flood, not answers.
    static let maxQueued = 16

    private var buffer: [UInt8] = []
    let frames = AwaitedReplies<CQLFrame, CQLWireError>()
    /// The first bytes the peer sent (up to 64), for naming what answered when it is not CQL.
    private(set) var firstBytes: [UInt8] = []
    private(set) var bytesReceived = 0

    var bufferedBytes: Int { buffer.count }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        feed(unwrapInboundIn(data))
    }

    func feed(_ data: ByteBuffer) {
        guard frames.failure == nil else { return }
        var data = data
        let bytes = data.readBytes(length: data.readableBytes) ?? []
        bytesReceived += bytes.count
        if firstBytes.count < 64 { firstBytes += bytes.prefix(64 - firstBytes.count) }
        buffer += bytes
        do {
            var start = 0
            while let (frame, used) = try CQLFrameDecoder.decode(buffer[start...]) {
                start += used
                if frame.stream < 0 { continue }
                if frames.count >= Self.maxQueued {
                    frames.fail(.byteLimit)
                    break
                }
                frames.append(frame)
            }
            if start > 0 { buffer.removeFirst(start) }
        } catch {
            frames.fail(.protocolError(error))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        channelInactiveWithoutContext()
        context.fireChannelInactive()
    }

    func channelInactiveWithoutContext() {
        frames.fail(.closed(buffered: buffer.count))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is InboundByteLimitExceeded {
            frames.fail(.byteLimit)
        } else if isPeerReset(error) {
            frames.fail(.closed(buffered: buffer.count))
        } else {
            frames.fail(.channel("\(error)"))
        }
    }
}

/// A CQL connection's request/response layer over an established TLS channel: one request at a time,
/// each on the next stream id.
final class CQLWire: Sendable {
    let channel: any Channel
    private let handler: CQLFrameHandler
    private let nextStream = Mutex<Int16>(0)

    private init(channel: any Channel, handler: CQLFrameHandler) {
        self.channel = channel
        self.handler = handler
    }

    /// Adds the frame reader at the end of the pipeline (after TLS).
    static func attach(to channel: any Channel) async throws(ProbeFailure) -> CQLWire {
        let handler = CQLFrameHandler()
        try await channel.attach(handler)
        return CQLWire(channel: channel, handler: handler)
    }

    /// Sends the frame `make` builds for the next stream id and waits for the answer on that stream.
    func call(_ make: (Int16) -> CQLFrame, within timeout: Duration) async throws(CQLWireError) -> (
        response: CQLResponse, warnings: [String]
    ) {
        let stream = nextStream.withLock { value -> Int16 in
            value = value == Int16.max ? 0 : value + 1
            return value
        }
        let frame = make(stream)
        let channel = self.channel
        do {
            try await channel.eventLoop.flatSubmit {
                channel.writeAndFlush(channel.allocator.buffer(bytes: frame.encoded()))
            }.get()
        } catch {
            if !channel.isActive { throw .closed(buffered: 0) }
            throw .channel("\(error)")
        }
        while true {
            let answer = try await handler.frames.receive(
                within: timeout, on: channel.eventLoop, timedOut: .timedOut, busy: .channel("two reads at once"),
                other: { .channel("\($0)") })
            // An answer to an earlier request that timed out is not this one's.
            guard answer.stream == stream else { continue }
            do {
                return try CQLResponse.decode(answer)
            } catch {
                throw .protocolError(error)
            }
        }
    }

    /// What the peer has sent so far.
    func received() async -> (firstBytes: [UInt8], total: Int, buffered: Int) {
        let handler = self.handler
        return
            (try? await channel.eventLoop.submit { (handler.firstBytes, handler.bytesReceived, handler.bufferedBytes) }
            .get()) ?? ([], 0, 0)
    }

    /// Closes the connection (CQL has no goodbye).
    func close() {
        channel.close(promise: nil)
    }
}
