import NIOCore
import NIOSSL
import PreflightCore
import PreflightNetwork
import Synchronization

/// Buffers a connection's inbound bytes and hands out whole MongoDB messages through `AwaitedReplies`,
/// refusing a length prefix over the limit as soon as its 4 bytes arrive. Added by `MongoDialer` right
/// after connect, so nothing the peer sends early is lost. Only touched on its channel's event loop.
final class MongoFrameReader: WireReader, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private var buffer: [UInt8] = []
    let frames = AwaitedReplies<[UInt8], MongoReadFailure>()
    /// The first bytes the peer sent (up to 256), for naming what answered when it is not MongoDB.
    private(set) var firstBytes: [UInt8] = []
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    /// What is buffered of an unfinished message (up to 256 bytes), for the failures that quote it.
    private var received: [UInt8] { Array(buffer.prefix(256)) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        feed(unwrapInboundIn(data))
    }

    /// Takes in bytes from the peer (from the pipeline, or kept aside when it closed before this handler was added).
    func feed(_ data: ByteBuffer) {
        guard frames.failure == nil else { return }
        var chunk = data
        let bytes = chunk.readBytes(length: chunk.readableBytes) ?? []
        if firstBytes.count < 256 { firstBytes += bytes.prefix(256 - firstBytes.count) }
        // Keep at most one message's worth (plus a header); the limit check below stops before more.
        if buffer.count < limit + MongoWire.headerSize { buffer += bytes }
        while true {
            switch MongoWire.frameStatus(buffer, limit: limit) {
            case .complete(let length):
                let frame = Array(buffer[0..<length])
                buffer.removeFirst(length)
                frames.append(frame)
            case .invalid(let reason):
                frames.fail(.invalid(reason: reason, received: received))
                return
            case .incomplete:
                return
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        channelInactiveWithoutContext()
        context.fireChannelInactive()
    }

    /// The connection is gone (also called when it closed before this handler was added).
    func channelInactiveWithoutContext() {
        frames.fail(.closed(received: received))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let exceeded = error as? InboundByteLimitExceeded {
            frames.fail(.inboundLimit(exceeded.limit))
        } else if let ssl = error as? NIOSSLError, case .uncleanShutdown = ssl {
            channelInactiveWithoutContext()
        } else if isPeerReset(error) {
            channelInactiveWithoutContext()  // a reset is the peer closing, as far as a ping can tell
        } else {
            frames.fail(.channel("\(error)"))
        }
    }

    /// The failure for a wait of `elapsed` that ended with no whole message: it carries what arrived.
    func timedOut(after elapsed: Duration) -> MongoReadFailure {
        .timedOut(received: received, after: elapsed)
    }
}

/// One connection to one server: sends commands (OP_MSG, or OP_QUERY for servers older than 3.6) and
/// returns the reply document. The thin I/O layer under the probe; the protocol logic is in `MongoWire`.
final class MongoConnection: Sendable {
    let channel: any Channel
    let address: MongoHostAddress
    private let reader: MongoFrameReader
    private let requestID = Atomic<Int32>(0)
    private let legacy = Atomic<Bool>(false)

    init(channel: any Channel, address: MongoHostAddress, reader: MongoFrameReader) {
        self.channel = channel
        self.address = address
        self.reader = reader
    }

    /// Whether commands go as OP_QUERY (a server older than 3.6).
    var usesOpQuery: Bool {
        legacy.load(ordering: .relaxed)
    }

    func setUsesOpQuery(_ flag: Bool) { legacy.store(flag, ordering: .relaxed) }

    /// Runs `command` on `database` and returns the reply document (which may carry `ok: 0`).
    func run(_ command: BSONDocument, database: String, timeout: Duration, forceOpQuery: Bool = false)
        async throws(MongoReadFailure) -> BSONDocument
    {
        let id = requestID.wrappingAdd(1, ordering: .relaxed).newValue
        let bytes: [UInt8]
        if forceOpQuery || usesOpQuery {
            bytes = MongoWire.opQuery(command, database: database, requestID: id)
        } else {
            var withDB = command
            withDB["$db"] = .string(database)
            bytes = MongoWire.opMsg(withDB, requestID: id)
        }
        let frame = try await exchange(bytes, timeout: timeout)
        let reply: MongoReply
        do throws(MongoWireError) { reply = try MongoWire.decodeReply(frame) } catch {
            throw .invalid(reason: error.reason, received: Array(frame.prefix(64)))
        }
        guard reply.responseTo == id else {
            throw .invalid(
                reason: "a reply to request \(reply.responseTo), though request \(id) was sent",
                received: Array(frame.prefix(64)))
        }
        return reply.document
    }

    private func exchange(_ bytes: [UInt8], timeout: Duration) async throws(MongoReadFailure) -> [UInt8] {
        let channel = self.channel
        let reader = self.reader
        do {
            try await channel.eventLoop.submit {
                channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil)
            }.get()
        } catch {
            throw .closed(received: [])
        }
        let started = ContinuousClock.now
        return try await reader.frames.receive(
            within: timeout, on: channel.eventLoop, timedOut: { reader.timedOut(after: ContinuousClock.now - started) },
            busy: .channel("two reads at once"), other: { .channel("\($0)") })
    }

    /// Closes the connection (the ping's deadline closes it anyway).
    func close() {
        channel.close(promise: nil)
    }
}
