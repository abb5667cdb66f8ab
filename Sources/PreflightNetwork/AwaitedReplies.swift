import NIOCore

/// The messages a protocol reader has decoded but nobody has asked for yet, the first failure, and
/// the one caller waiting for the next message (with its timeout). Shared by the hand-written wire
/// readers (MySQL, Redis); only touched on its channel's event loop.
public final class AwaitedReplies<Reply, Failure: Error>: @unchecked Sendable {
    private var replies: [Reply] = []
    private var waiter: EventLoopPromise<Reply>?
    private var timer: Scheduled<Void>?
    /// The first failure; later ones are ignored (the first says most).
    public private(set) var failure: Failure?

    public init() {}

    /// Replies decoded and not yet taken.
    public var count: Int { replies.count }

    /// Queues a decoded reply and hands it to the waiter, if any.
    public func append(_ reply: Reply) {
        replies.append(reply)
        deliver()
    }

    /// Records a failure (unless one is already recorded) and fails the waiter once the queue is empty.
    public func fail(_ error: Failure) {
        if failure == nil { failure = error }
        deliver()
    }

    /// Completes `promise` with the next reply, the failure, or `timedOut` after `timeout`;
    /// a second reader while one waits gets `busy`.
    public func next(_ promise: EventLoopPromise<Reply>, timeout: TimeAmount, on loop: any EventLoop, timedOut: Failure, busy: Failure) {
        guard waiter == nil else {
            promise.fail(busy)
            return
        }
        waiter = promise
        deliver()
        guard waiter != nil else { return }
        timer = loop.scheduleTask(in: timeout) { [self] in
            guard let waiter = self.waiter, waiter.futureResult === promise.futureResult else { return }
            self.waiter = nil
            waiter.fail(timedOut)
        }
    }

    private func deliver() {
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
