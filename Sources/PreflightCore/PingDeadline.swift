/// The one deadline of a ping; every step takes its time from what is left.
public struct PingDeadline: Sendable {
    /// The clock the deadline is kept on.
    public let clock: any PingClock
    /// When the ping began, on `clock`.
    public let start: Duration
    /// When the ping must end, on `clock`.
    public let end: Duration

    /// A deadline `timeout` from now on `clock`.
    public init(clock: any PingClock = SystemPingClock(), timeout: Duration) {
        self.clock = clock
        self.start = clock.now
        self.end = start + timeout
    }

    /// The whole time allowed.
    public var total: Duration { end - start }

    /// Time left, never negative.
    public var remaining: Duration { max(.zero, end - clock.now) }

    /// Whether the deadline has passed.
    public var hasExpired: Bool { clock.now >= end }

    /// What a step may spend: the smaller of `limit` and the time left.
    public func budget(atMost limit: Duration) -> Duration { min(limit, remaining) }

    /// Time since the start, in milliseconds.
    public var elapsedMs: Double { (clock.now - start).milliseconds }
}

extension Duration {
    /// This duration in (fractional) milliseconds.
    public var milliseconds: Double {
        let parts = components
        return Double(parts.seconds) * 1000 + Double(parts.attoseconds) / 1e15
    }

    /// This duration in (fractional) seconds.
    public var seconds: Double { milliseconds / 1000 }

    /// A short human form: "850 ms", "4.2 s".
    public var humanDescription: String {
        let ms = milliseconds
        if ms.rounded() < 1000 { return "\(Int(ms.rounded())) ms" }
        let tenths = (ms / 100).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int(tenths)) s" : "\(tenths) s"
    }
}
