import Synchronization

/// The server's shutdown state: the requests it has admitted and still answers, and whether it has
/// stopped admitting new ones.
///
/// While serving, every request but `/healthz` and `/metrics` is counted in and out
/// (``DrainMiddleware``). On SIGTERM ``beginDraining()`` turns new requests away (503 with
/// `Retry-After`), `/healthz` answers 503 `draining` so a load balancer stops sending, and
/// ``waitUntilIdle(atMost:)`` returns once every admitted request (a ping runs at most its deadline)
/// has been answered.
public final class ShutdownDrain: Sendable {
    private struct State {
        var draining = false
        var inFlight = 0
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    /// The `Retry-After` (seconds) of the 503s answered while draining.
    public let retryAfterSeconds: Int

    public init(retryAfterSeconds: Int = 2) {
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// Whether new requests are turned away.
    public var isDraining: Bool { state.withLock { $0.draining } }

    /// Admitted requests not yet answered.
    public var requestsInFlight: Int { state.withLock { $0.inFlight } }

    /// Counts a request in; false (nothing counted) once draining has begun.
    func admit() -> Bool {
        state.withLock { state in
            guard !state.draining else { return false }
            state.inFlight += 1
            return true
        }
    }

    /// Counts an admitted request out; the last one out while draining wakes the waiters.
    func finish() {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.inFlight -= 1
            guard state.inFlight == 0 else { return [] }
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }

    /// Stops admitting requests; returns how many are still being answered.
    @discardableResult
    public func beginDraining() -> Int {
        state.withLock { state in
            state.draining = true
            return state.inFlight
        }
    }

    /// Waits until no admitted request is left, or `limit` has passed, or the task is cancelled; true
    /// when none is left.
    public func waitUntilIdle(atMost limit: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.idle()
                // Also returns when cancelled: say idle only if it is.
                return self.requestsInFlight == 0
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// Returns when no admitted request is left (or the task is cancelled).
    private func idle() async {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // Checked under the lock: a cancellation that came before this registration finds nothing
                // to resume, so it must be seen here.
                let now = state.withLock { state -> Bool in
                    if state.inFlight == 0 || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
