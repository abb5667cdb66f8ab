import Synchronization

/// Where a ping's time comes from: its deadline, its step durations, and when the engine gives up.
///
/// Production uses ``SystemPingClock`` (the monotonic clock; the engine then keeps the deadline on an
/// event loop). Tests inject a ``ManualPingClock`` and move time themselves, so a deadline test says
/// exactly what it means ("at 3 s the TLS step is the one reported") however loaded the machine is.
public protocol PingClock: Sendable {
    /// The time since this clock's fixed origin.
    var now: Duration { get }
    /// Returns once `now >= instant`; throws `CancellationError` when the task is cancelled first.
    func sleep(until instant: Duration) async throws
}

/// The monotonic system clock (`ContinuousClock`), measured from the moment it was made.
public struct SystemPingClock: PingClock {
    private let origin: ContinuousClock.Instant

    public init() { origin = .now }

    public var now: Duration { ContinuousClock.now - origin }

    public func sleep(until instant: Duration) async throws {
        try await ContinuousClock().sleep(until: origin + instant, tolerance: nil)
    }
}

/// A clock that moves only when told to (``advance(by:)``); sleepers wake as time passes them.
public final class ManualPingClock: PingClock {
    private struct Sleeper {
        let instant: Duration
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Duration = .zero
        var sleepers: [Int: Sleeper] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    public init() {}

    public var now: Duration { state.withLock { $0.now } }

    /// How many tasks are sleeping on this clock now.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    public func sleep(until instant: Duration) async throws {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow: Bool = state.withLock { state in
                    if instant <= state.now || Task.isCancelled { return true }
                    state.sleepers[id] = Sleeper(instant: instant, continuation: continuation)
                    return false
                }
                if resumeNow {
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        continuation.resume()
                    }
                }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: id) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes every sleeper whose instant has come.
    public func advance(by duration: Duration) {
        let due: [Sleeper] = state.withLock { state in
            state.now += duration
            let now = state.now
            let ready = state.sleepers.filter { $0.value.instant <= now }
            for key in ready.keys { state.sleepers[key] = nil }
            return ready.values.sorted { $0.instant < $1.instant }
        }
        for sleeper in due { sleeper.continuation.resume() }
    }
}
