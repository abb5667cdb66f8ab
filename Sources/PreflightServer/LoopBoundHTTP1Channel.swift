import HummingbirdCore
import Logging
import NIOCore
import PreflightEngine

/// Hummingbird's HTTP/1.1 child channel, with each connection's task run on the connection's own event
/// loop instead of the global task pool.
///
/// Hummingbird reads a request on the channel's loop, hands it to a task on the pool, and writes the
/// answer back on the loop; a ping then hops to its socket's loop and back. Here the connection's task
/// prefers its loop (an ``EventLoopTaskExecutor``), and the engine, calling `EventLoopGroup.any()` from
/// that loop, dials on it too: one thread per request from the first byte to the last, no wake-ups of
/// the pool. Handlers must not block (nothing in the service does: the stores and the engine are
/// asynchronous; CPU-heavy steps such as PBKDF2 ran on the loops already).
struct LoopBoundHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value

    let inner: HTTP1Channel

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await inner.handle(value: value, logger: logger)
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with each connection's task on its event loop (``LoopBoundHTTP1Channel``), or on the
    /// global pool as Hummingbird does by default when `onEventLoop` is false.
    static func http1(configuration: HTTP1Channel.Configuration, onEventLoop: Bool) -> HTTPServerBuilder {
        guard onEventLoop else { return .http1(configuration: configuration) }
        return .init { responder in
            LoopBoundHTTP1Channel(inner: HTTP1Channel(responder: responder, configuration: configuration))
        }
    }

    /// Preflight's HTTP/1.1 (``http1(configuration:onEventLoop:)``): each new connection gets its own
    /// ``ConnectionGuard`` (the connection cap, the whole-request deadline) and ``HealthzFastPath``, and
    /// the configuration's idle timeout.
    static func preflight(
        connections: ConnectionCount, healthz: HealthzFastPath.Bodies, drain: ShutdownDrain,
        configuration: ServerConfiguration, onEventLoop: Bool
    ) -> HTTPServerBuilder {
        let requestTimeout = TimeAmount.nanoseconds(configuration.requestTimeout.nanosecondsClamped)
        return .http1(
            configuration: .init(
                additionalChannelHandlers: [
                    ConnectionGuard(count: connections, requestTimeout: requestTimeout),
                    HealthzFastPath(bodies: healthz, drain: drain),
                ],
                idleTimeout: .nanoseconds(configuration.idleTimeout.nanosecondsClamped)),
            onEventLoop: onEventLoop)
    }
}
