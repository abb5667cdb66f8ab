import NIOCore

/// How a read of a peer's answer ended.
public enum ReadEnding: Sendable, Equatable {
    /// The answer is complete (the predicate said so, or the byte cap was reached).
    case complete
    /// The peer closed the connection.
    case closed
    /// Time ran out; `bytes` holds what arrived, possibly nothing.
    case timedOut
}

/// What a peer sent, and how the read ended.
public struct PeerResponse: Sendable {
    public var bytes: ByteBuffer
    public var ending: ReadEnding
}

/// Collects inbound bytes until a predicate is satisfied, the peer closes, a cap is reached, or time runs out.
/// Only touched on its channel's event loop.
final class ResponseCollector: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private var buffer: ByteBuffer
    private let isComplete: @Sendable (ByteBuffer) -> Bool
    private let maxBytes: Int
    private let promise: EventLoopPromise<PeerResponse>
    private var done = false

    init(
        allocator: ByteBufferAllocator, maxBytes: Int, promise: EventLoopPromise<PeerResponse>,
        isComplete: @escaping @Sendable (ByteBuffer) -> Bool
    ) {
        self.buffer = allocator.buffer(capacity: 256)
        self.maxBytes = maxBytes
        self.promise = promise
        self.isComplete = isComplete
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return context.fireChannelRead(data) }
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        if buffer.readableBytes >= maxBytes || isComplete(buffer) { finish(.complete) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset is how many peers hang up: report it as a close, with whatever they said first.
        if isPeerReset(error) {
            finish(.closed)
        } else if !done {
            done = true
            promise.fail(error)
        }
        context.fireErrorCaught(error)
    }

    func timeOut() { finish(.timedOut) }

    private func finish(_ ending: ReadEnding) {
        guard !done else { return }
        done = true
        promise.succeed(PeerResponse(bytes: buffer, ending: ending))
    }
}

extension Channel {
    /// Writes `request` (if any) and reads the peer's answer until `isComplete` says it is whole, the peer
    /// closes, `maxBytes` arrive, or `timeout` passes. The reader is removed from the pipeline afterwards.
    public func exchange(
        _ request: ByteBuffer?,
        maxBytes: Int = 4096,
        timeout: Duration,
        until isComplete: @escaping @Sendable (ByteBuffer) -> Bool
    ) async throws -> PeerResponse {
        let promise = eventLoop.makePromise(of: PeerResponse.self)
        let timeoutAmount = TimeAmount.nanoseconds(Int64(timeout.milliseconds * 1_000_000))
        let loop = eventLoop
        eventLoop.execute {
            let collector = ResponseCollector(
                allocator: self.allocator, maxBytes: maxBytes, promise: promise, isComplete: isComplete)
            do {
                try self.pipeline.syncOperations.addHandler(collector)
            } catch {
                // The peer closed before we could listen: what it said first was kept for us.
                let leftover = EarlyBytesLeftovers.take(for: self) ?? self.allocator.buffer(capacity: 0)
                let ending: ReadEnding = leftover.readableBytes > 0 && isComplete(leftover) ? .complete : .closed
                promise.succeed(PeerResponse(bytes: leftover, ending: ending))
                return
            }
            let timer = loop.scheduleTask(in: timeoutAmount) { collector.timeOut() }
            promise.futureResult.whenComplete { _ in
                timer.cancel()
                self.pipeline.syncOperations.removeHandler(collector, promise: nil)
            }
            self.releaseEarlyBytes()
            if let request { self.writeAndFlush(request, promise: nil) }
            if !self.isActive { collector.channelInactiveWithoutContext() }
        }
        return try await promise.futureResult.get()
    }
}

extension ResponseCollector {
    fileprivate func channelInactiveWithoutContext() { finish(.closed) }
}
