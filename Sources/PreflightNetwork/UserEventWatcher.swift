import NIOCore

/// Completes a promise when a user event it waits for comes by (a TLS handshake finished, SSH
/// authentication accepted), and fails it when the connection errors or ends first. It watches the
/// channel's close future rather than only `channelInactive`: the channel may have closed before the
/// watcher was added, and some handlers (NIOSSH's) do not pass `channelInactive` on.
public final class UserEventWatcher: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    public typealias InboundIn = Any

    private let promise: EventLoopPromise<Void>
    private let isAwaitedEvent: (Any) -> Bool
    private var done = false

    public init(promise: EventLoopPromise<Void>, isAwaitedEvent: @escaping (Any) -> Bool) {
        self.promise = promise
        self.isAwaitedEvent = isAwaitedEvent
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        let loop = context.eventLoop
        context.channel.closeFuture.whenComplete { _ in
            loop.execute { self.finish(.failure(ChannelError.eof)) }
        }
    }

    public func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if isAwaitedEvent(event) { finish(.success(())) }
        context.fireUserInboundEventTriggered(event)
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(error))
        context.fireErrorCaught(error)
    }

    public func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(ChannelError.eof))
        context.fireChannelInactive()
    }

    private func finish(_ result: Result<Void, any Error>) {
        guard !done else { return }
        done = true
        promise.completeWith(result)
    }
}
