import NIOCore
import PreflightCore

/// The messages a protocol reader has decoded but nobody has asked for yet, the first failure, and
/// the one caller waiting for the next message (with its timeout). Shared by the hand-written wire
/// readers (MySQL, Redis, MongoDB); only touched on its channel's event loop.
///
/// Its methods are `@inlinable`: each reader's module then compiles them for its own `Reply`. Called through
/// the generic entry points instead, every `removeFirst` and promise looked up the metadata of `[Reply]` and
/// `Reply?` at run time: 77k of the 1.35M instructions of a MySQL ping (callgrind).
public final class AwaitedReplies<Reply: Sendable, Failure: Error>: @unchecked Sendable {
    @usableFromInline var replies: [Reply] = []
    @usableFromInline var waiter: EventLoopPromise<Reply>?
    /// A caller waiting for a whole answer of several replies (see ``collect(_:timeout:on:timedOut:busy:isLast:)``).
    @usableFromInline var batch: Batch?
    @usableFromInline var timer: Scheduled<Void>?

    @usableFromInline
    struct Batch {
        @usableFromInline let promise: EventLoopPromise<[Reply]>
        @usableFromInline var collected: [Reply] = []
        @usableFromInline let isLast: (Reply) -> Bool

        @inlinable
        init(promise: EventLoopPromise<[Reply]>, isLast: @escaping (Reply) -> Bool) {
            self.promise = promise
            self.isLast = isLast
        }
    }
    /// The first failure; later ones are ignored (the first says most).
    public var failure: Failure? { firstFailure }
    @usableFromInline var firstFailure: Failure?

    public init() {}

    /// Replies decoded and not yet taken.
    public var count: Int { replies.count }

    /// Queues a decoded reply and hands it to the waiter, if any.
    @inlinable
    public func append(_ reply: Reply) {
        replies.append(reply)
        deliver()
    }

    /// Records a failure (unless one is already recorded) and fails the waiter once the queue is empty.
    @inlinable
    public func fail(_ error: Failure) {
        if firstFailure == nil { firstFailure = error }
        deliver()
    }

    /// Completes `promise` with the next reply, the failure, or `timedOut` after `timeout`;
    /// a second reader while one waits gets `busy`.
    @inlinable
    public func next(
        _ promise: EventLoopPromise<Reply>, timeout: TimeAmount, on loop: any EventLoop, timedOut: Failure,
        busy: Failure
    ) {
        next(promise, timeout: timeout, on: loop, timedOut: { timedOut }, busy: busy)
    }

    /// Like `next(_:timeout:on:timedOut:busy:)`, but the timeout's failure is made when time runs out
    /// (on the event loop), so it can tell what had arrived by then.
    @inlinable
    public func next(
        _ promise: EventLoopPromise<Reply>, timeout: TimeAmount, on loop: any EventLoop,
        timedOut: @escaping @Sendable () -> Failure, busy: Failure
    ) {
        guard waiter == nil, batch == nil else {
            promise.fail(busy)
            return
        }
        waiter = promise
        deliver()
        guard waiter != nil else { return }
        timer = loop.scheduleTask(in: timeout) { [self] in
            guard let waiter = self.waiter, waiter.futureResult === promise.futureResult else { return }
            self.waiter = nil
            waiter.fail(timedOut())
        }
    }

    /// Completes `promise` with the replies up to and including the first one `isLast` accepts (called
    /// in order, on the event loop, once per reply), the failure, or `timedOut` after `timeout`. One trip
    /// to the event loop for a whole multi-message answer (a result set) instead of one per message.
    @inlinable
    public func collect(
        _ promise: EventLoopPromise<[Reply]>, timeout: TimeAmount, on loop: any EventLoop, timedOut: Failure,
        busy: Failure, isLast: @escaping (Reply) -> Bool
    ) {
        guard waiter == nil, batch == nil else {
            promise.fail(busy)
            return
        }
        batch = Batch(promise: promise, isLast: isLast)
        deliver()
        guard batch != nil else { return }
        timer = loop.scheduleTask(in: timeout) { [self] in
            guard let batch = self.batch, batch.promise.futureResult === promise.futureResult else { return }
            self.batch = nil
            batch.promise.fail(timedOut)
        }
    }

    @inlinable
    func deliver() {
        if var batch {
            while !replies.isEmpty {
                let reply = replies.removeFirst()
                batch.collected.append(reply)
                if batch.isLast(reply) {
                    self.batch = nil
                    timer?.cancel()
                    batch.promise.succeed(batch.collected)
                    return
                }
            }
            if let failure {
                self.batch = nil
                timer?.cancel()
                batch.promise.fail(failure)
            } else {
                self.batch = batch
            }
            return
        }
        guard let waiter else { return }
        if !replies.isEmpty {
            self.waiter = nil
            timer?.cancel()
            waiter.succeed(replies.removeFirst())
        } else if let failure {
            self.waiter = nil
            timer?.cancel()
            waiter.fail(failure)
        }
    }
}

extension AwaitedReplies {
    /// Waits (from any thread) for the next reply, or `timedOut` after `timeout`. Errors that are not
    /// `Failure` (none are expected) become `other(error)`.
    @inlinable
    public func receive(
        within timeout: Duration, on loop: any EventLoop, timedOut: Failure, busy: Failure,
        other: (any Error) -> Failure
    ) async throws(Failure) -> Reply {
        try await receive(within: timeout, on: loop, timedOut: { timedOut }, busy: busy, other: other)
    }

    /// Like `receive(within:on:timedOut:busy:other:)`, but the timeout's failure is made when time runs
    /// out (on the event loop), so it can tell what had arrived by then.
    @inlinable
    public func receive(
        within timeout: Duration, on loop: any EventLoop, timedOut: @escaping @Sendable () -> Failure, busy: Failure,
        other: (any Error) -> Failure
    ) async throws(Failure) -> Reply {
        let promise = loop.makePromise(of: Reply.self)
        let amount = TimeAmount.nanoseconds(Int64(max(timeout.milliseconds, 1) * 1_000_000))
        loop.execute { self.next(promise, timeout: amount, on: loop, timedOut: timedOut, busy: busy) }
        do {
            return try await promise.futureResult.get()
        } catch let failure as Failure {
            throw failure
        } catch {
            throw other(error)
        }
    }
}

/// A hand-written protocol reader that can also be given bytes the peer sent before it was in the
/// pipeline, and told that the connection closed before then.
public protocol WireReader: ChannelInboundHandler, Sendable where InboundIn == ByteBuffer {
    /// Takes in bytes from the peer.
    func feed(_ data: ByteBuffer)
    /// The connection is gone.
    func channelInactiveWithoutContext()
}

extension Channel {
    /// Adds `reader` at the end of the pipeline (after TLS, when TLS is on) and lets through what the
    /// dialer held before it was there. A peer that spoke and closed at once (a refusal, a banner) is
    /// not lost: its bytes come from `EarlyBytesLeftovers`, then the close.
    ///
    /// Returns false when the pipeline was already gone (the peer closed before the reader could be
    /// added): the reader was then given only what the peer had sent, and the close.
    @discardableResult
    public func attach<Reader: WireReader>(_ reader: Reader) async throws(ProbeFailure) -> Bool {
        let channel = self
        do {
            return try await eventLoop.submit {
                var added = true
                do {
                    try channel.pipeline.syncOperations.addHandler(reader)
                    channel.releaseEarlyBytes()
                } catch {
                    // The pipeline is gone: the peer closed before the reader was in place.
                    added = false
                    if let bytes = EarlyBytesLeftovers.take(for: channel) { reader.feed(bytes) }
                }
                if !channel.isActive { reader.channelInactiveWithoutContext() }
                return added
            }.get()
        } catch {
            throw ProbeFailure(.internalError, "could not prepare the connection: \(error)")
        }
    }
}
