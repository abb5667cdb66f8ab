import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A second listener that serves only `GET /healthz`, on an event loop thread of its own
/// (`serve --health-port`).
///
/// On the API's port a health check shares its event loop with the pings of other connections: the loop
/// reads a socket only between batches of work, so under a saturating load the answer waits for a batch
/// to end (p99 11 ms at 64 pings in flight on 2 cores; bench/run.sh). Here nothing else runs on the
/// thread, and the kernel schedules it as soon as the check's bytes arrive. A load balancer or a
/// Kubernetes probe pointed at this port sees whether the process answers, not how busy its loops are.
///
/// The answers are the API's own (``HealthzFastPath``): 200 `{"status":"ok"}` (with `egressIPs` when
/// declared), 503 `draining` once shutdown began; any other request gets a 404 or 405 `{"error"}`. The
/// listener stops after the API's server, so it says `draining` for as long as the drain lasts.
enum HealthListener {
    /// The thread every health listener of the process shares (one in `serve`).
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// The most connections the health port keeps open at once (probes come from a few balancers).
    static let maxConnections = 64

    /// The listener on `host:port` as a service the API's application runs beside its server.
    static func application(
        host: String, port: Int, bodies: HealthzFastPath.Bodies, drain: ShutdownDrain,
        configuration: ServerConfiguration, logger: Logger
    ) -> some Service {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: JSONErrorMiddleware(routes: ["/healthz": [.get]]))
        // Reached only when a /healthz is pipelined behind another request of the same connection.
        router.get("/healthz") { _, _ in
            let draining = drain.isDraining
            return Response(
                status: draining ? .serviceUnavailable : .ok,
                headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: draining ? bodies.draining : bodies.ok)))
        }
        let connections = ConnectionCount(limit: maxConnections, recordsMetrics: false)
        return Application(
            router: router,
            server: .preflight(
                connections: connections, healthz: bodies, drain: drain, configuration: configuration,
                onEventLoop: true),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "preflight"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                logger.info("health listening", metadata: ["address": "\(host):\(bound)"])
            },
            eventLoopGroupProvider: .shared(group),
            logger: logger)
    }
}
