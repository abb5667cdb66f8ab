import NIOCore
import NIOSSL
import PreflightCore
import PreflightNetwork
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Buffers a connection's inbound bytes and hands out whole MongoDB messages, refusing a length prefix
/// over the limit as soon as its 4 bytes arrive. Installed right after connect, so nothing the peer
/// sends early is lost. Only touched on its channel's event loop.
final class MongoFrameReader: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private var buffer: [UInt8] = []
    private var closed = false
    private var failure: MongoReadFailure?
    private var waiter: EventLoopPromise<[UInt8]>?
    private var timer: Scheduled<Void>?
    private var waitStarted: ContinuousClock.Instant = .now
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        if let bytes = chunk.readBytes(length: chunk.readableBytes) {
            // Keep at most one message's worth (plus a header); the limit check below stops before more.
            if buffer.count < limit + MongoWire.headerSize { buffer += bytes }
        }
        deliver()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        deliver()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if failure == nil {
            if let exceeded = error as? InboundByteLimitExceeded {
                failure = .inboundLimit(exceeded.limit)
            } else if let ssl = error as? NIOSSLError, case .uncleanShutdown = ssl {
                closed = true
            } else if let io = error as? IOError, io.errnoCode == ECONNRESET || io.errnoCode == EPIPE {
                closed = true  // a reset is the peer closing, as far as a ping can tell
            } else {
                failure = .channel("\(error)")
            }
        }
        deliver()
    }

    /// The next whole message, or a failure; `timeout` bounds the wait.
    func next(on loop: any EventLoop, timeout: Duration) -> EventLoopFuture<[UInt8]> {
        let promise = loop.makePromise(of: [UInt8].self)
        waiter = promise
        waitStarted = .now
        timer = loop.scheduleTask(in: .nanoseconds(Int64(max(timeout.milliseconds, 1) * 1_000_000))) { [self] in
            finish(
                .failure(
                    MongoReadFailure.timedOut(
                        received: Array(buffer.prefix(256)), after: ContinuousClock.now - waitStarted)))
        }
        deliver()
        return promise.futureResult
    }

    private func deliver() {
        guard waiter != nil else { return }
        switch MongoWire.frameStatus(buffer, limit: limit) {
        case .complete(let length):
            let frame = Array(buffer[0..<length])
            buffer.removeFirst(length)
            finish(.success(frame))
        case .invalid(let reason):
            finish(.failure(MongoReadFailure.invalid(reason: reason, received: Array(buffer.prefix(256)))))
        case .incomplete:
            if let failure {
                finish(.failure(failure))
            } else if closed {
                finish(.failure(MongoReadFailure.closed(received: Array(buffer.prefix(256)))))
            }
        }
    }

    private func finish(_ result: Result<[UInt8], any Error>) {
        guard let promise = waiter else { return }
        waiter = nil
        timer?.cancel()
        timer = nil
        promise.completeWith(result)
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
        let future: EventLoopFuture<[UInt8]>
        do {
            future = try await channel.eventLoop.submit {
                let pending = reader.next(on: channel.eventLoop, timeout: timeout)
                var buffer = channel.allocator.buffer(capacity: bytes.count)
                buffer.writeBytes(bytes)
                channel.writeAndFlush(buffer, promise: nil)
                return pending
            }.get()
        } catch {
            throw .closed(received: [])
        }
        do {
            return try await future.get()
        } catch let failure as MongoReadFailure {
            throw failure
        } catch {
            throw .channel("\(error)")
        }
    }

    /// Closes the connection (the ping's deadline closes it anyway).
    func close() {
        channel.close(promise: nil)
    }
}
