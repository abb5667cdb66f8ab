import Foundation
import Logging
import PreflightCore
import PreflightNetwork

/// How the engine runs pings; every field has a serviceable default.
public struct EngineConfiguration: Sendable {
    /// This service's data plane; a payload naming another plane is refused.
    public var planeName: String
    /// The deadline of a ping when the payload does not ask for a shorter one.
    public var defaultTimeout: Duration
    /// Which addresses may be dialled.
    public var egress: EgressPolicy
    /// Pings running at once; more are turned away (HTTP 429) rather than queued.
    public var maxInFlight: Int
    /// The most one peer may send during a ping.
    public var inboundByteLimit: Int
    /// Where deadlines and step durations are measured (a test injects a ``ManualPingClock``).
    public var clock: any PingClock
    /// The public addresses this service's pings come from (declared by its operator), named in a
    /// connect timeout's hint so the user knows what to allowlist.
    public var egressAddresses: [String]
    /// The time of day, for signatures and token lifetimes (a test may pin it).
    public var wallClock: @Sendable () -> Date
    /// Whether a ping's probe runs on the event loop that owns its sockets (true) or on Swift's global
    /// task pool. On the loop a reply resumes the probe without a thread switch; the pool is kept for
    /// comparison (`preflight bench --task-pool`).
    public var probesOnEventLoop = true
    /// The level of the engine's "ping finished" line. The service lowers it to `debug`: its access-log
    /// line per request carries the same fields.
    public var finishedLogLevel: Logger.Level = .info

    public init(
        planeName: String = "local",
        defaultTimeout: Duration = .seconds(15),
        egress: EgressPolicy = EgressPolicy(),
        maxInFlight: Int = 1024,
        inboundByteLimit: Int = 1 << 20,
        clock: any PingClock = SystemPingClock(),
        egressAddresses: [String] = [],
        wallClock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.planeName = planeName
        self.defaultTimeout = defaultTimeout
        self.egress = egress
        self.maxInFlight = maxInFlight
        self.inboundByteLimit = inboundByteLimit
        self.clock = clock
        self.egressAddresses = egressAddresses
        self.wallClock = wallClock
    }
}

/// Why a ping request was not run.
public enum PingRequestError: Error, Sendable {
    /// The payload is wrong (HTTP 400, CLI exit 3).
    case invalid(InvalidConfig)
    /// Too many pings in flight (HTTP 429 with Retry-After).
    case overloaded(retryAfterSeconds: Int)
}
