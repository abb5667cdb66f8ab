public import Logging

/// How the HTTP API listens and what it accepts. Every field has a serviceable default.
public struct ServerConfiguration: Sendable {
    /// The address to listen on.
    public var host: String
    /// The TCP port to listen on (0 picks a free one).
    public var port: Int
    /// The largest request body accepted; larger ones answer 413. Enforced from `Content-Length` before
    /// reading, and again while the body streams in (for chunked uploads).
    public var maxBodyBytes: Int
    /// Whether `GET /metrics` needs an API key like the rest of the API. On by default: the metrics
    /// say which connector types and failure categories each pinged, which is no one else's business;
    /// an operator whose Prometheus has no key opens it (`serve --public-metrics`) on a private port.
    public var metricsRequireAuth: Bool
    /// The level of the one-line-per-request access log (`nil` turns it off).
    public var accessLogLevel: Logger.Level?
    /// How long a connection may stay idle before the server closes it. Longer than any ping's deadline.
    public var idleTimeout: Duration
    /// How long a client has to send a whole request (head and body), from the connection opening or the
    /// previous answer; a client that trickles bytes is closed at this point however slowly it sends.
    public var requestTimeout: Duration
    /// The most HTTP connections open at once; more are closed as they arrive.
    public var maxConnections: Int
    /// How long an agent's poll waits for a job before answering 204 (20 s; tests shorten it).
    public var agentPollHold: Duration = .seconds(20)
    /// Whether an agent's address in the listing is taken from `X-Forwarded-For` (set only behind a
    /// proxy that writes that header itself); otherwise it is the connection's peer address.
    public var trustForwardedFor = false
    /// How long an API key the store accepted is trusted without asking again (1 s; zero asks every time).
    /// A key revoked in the store stops working within this time on every instance.
    public var apiKeyCacheTTL: Duration = .seconds(1)
    /// Each connection's task runs on its channel's event loop (true, the default) or on Swift's global
    /// task pool, as Hummingbird does by default (`serve --task-pool`, for comparison).
    public var connectionsOnEventLoop = true
    /// A second port that serves only `GET /healthz`, on an event loop thread of its own, so a health
    /// check is answered at once however busy the API's loops are (``HealthListener``); `nil` (the
    /// default) serves `/healthz` on the API's port only. 0 picks a free port. Same `host` as the API.
    public var healthPort: Int?

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        maxBodyBytes: Int = 1 << 20,
        metricsRequireAuth: Bool = true,
        accessLogLevel: Logger.Level? = .info,
        idleTimeout: Duration = .seconds(75),
        requestTimeout: Duration = .seconds(20),
        maxConnections: Int = 2048
    ) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
        self.metricsRequireAuth = metricsRequireAuth
        self.accessLogLevel = accessLogLevel
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
        self.maxConnections = maxConnections
    }
}
