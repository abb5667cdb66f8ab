/// The one deadline of a ping; every step takes its time from what is left.
public struct PingDeadline: Sendable {
    public let start: ContinuousClock.Instant
    public let end: ContinuousClock.Instant

    public init(start: ContinuousClock.Instant = .now, timeout: Duration) {
        self.start = start
        self.end = start + timeout
    }

    /// The whole time allowed.
    public var total: Duration { end - start }

    /// Time left, never negative.
    public var remaining: Duration { max(.zero, end - .now) }

    /// Whether the deadline has passed.
    public var hasExpired: Bool { ContinuousClock.now >= end }

    /// What a step may spend: the smaller of `limit` and the time left.
    public func budget(atMost limit: Duration) -> Duration { min(limit, remaining) }

    /// Time since the start, in milliseconds.
    public var elapsedMs: Double { (ContinuousClock.now - start).milliseconds }
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
