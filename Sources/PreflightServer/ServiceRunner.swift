public import Hummingbird
public import Logging
import ServiceLifecycle

/// Runs `app` until SIGTERM or SIGINT, then shuts down in two steps so that no admitted request is cut:
///
/// 1. Draining: new requests answer 503 with `Retry-After`, `/healthz` answers 503 `draining`, and the
///    requests already admitted (pings included, each bounded by its own deadline) run to their end,
///    for at most `drainTimeout` in all.
/// 2. The HTTP server stops listening and closes its connections once their answers are written.
///
/// Returns (the process then exits 0) when both are done. If the server has not closed
/// `closeTimeout` after draining, its remaining work is cancelled.
public func runUntilTerminated(
    _ app: some ApplicationProtocol, drain: ShutdownDrain, drainTimeout: Duration,
    closeTimeout: Duration = .seconds(10), logger: Logger
) async throws {
    var configuration = ServiceGroupConfiguration(
        // Shut down in reverse order: the drain first, then the server.
        services: [
            .init(service: app, serviceName: "http"),
            .init(service: DrainService(drain: drain, timeout: drainTimeout, logger: logger), serviceName: "drain"),
        ],
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger)
    configuration.maximumGracefulShutdownDuration = drainTimeout + closeTimeout
    try await ServiceGroup(configuration: configuration).run()
}

/// Waits for the graceful shutdown, then drains (``ShutdownDrain``) before the server is stopped.
struct DrainService: Service {
    let drain: ShutdownDrain
    let timeout: Duration
    let logger: Logger

    func run() async throws {
        // Cancelled (the server failed to start, or the group is torn down): nothing to drain.
        guard (try? await gracefulShutdown()) != nil else { return }
        let running = drain.beginDraining()
        logger.notice(
            "shutting down: new requests answer 503; waiting for the requests in flight",
            metadata: ["in_flight": "\(running)", "drain_timeout": "\(timeout)"])
        if await drain.waitUntilIdle(atMost: timeout) {
            logger.notice("drained: every admitted request was answered; closing the listener")
        } else {
            logger.warning(
                "drain timed out; closing the listener with requests still running",
                metadata: ["in_flight": "\(drain.requestsInFlight)"])
        }
    }
}
