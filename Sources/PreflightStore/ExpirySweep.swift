import Synchronization

/// When a store last dropped the jobs whose ping has long ended: at most once per ``interval``, not on
/// every claim (a busy plane claims hundreds of jobs a second; the leftovers of a dead instance can wait
/// a few seconds more).
final class ExpirySweep: Sendable {
    /// The least time between two sweeps, in milliseconds.
    static let interval: Int64 = 10_000
    private let last = Mutex<Int64>(.min)

    /// True (and the sweep counted as done) when the last one is at least ``interval`` old at `now`.
    func due(now: Int64) -> Bool {
        last.withLock { last in
            guard last == .min || now - last >= Self.interval || now < last else { return false }
            last = now
            return true
        }
    }
}
