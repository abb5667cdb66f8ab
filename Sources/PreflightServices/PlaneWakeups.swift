import Foundation
import Synchronization

/// Wakes waiters in this process: an agent's poll when a job for its plane is queued, a ping when its
/// job is answered. Each key has a generation; a waiter passes the generation it saw before looking at
/// the store, so a signal that lands between the look and the wait is never missed. Waiters also stop
/// at a timeout, after which they look at the store again: that is how a job queued or answered on
/// another instance is noticed.
public final class PlaneWakeups: Sendable {
    private struct State {
        var generations: [UUID: Int] = [:]
        var waiters: [UUID: [UUID: CheckedContinuation<Void, Never>]] = [:]
        var released: Set<UUID> = []
    }

    private let state = Mutex(State())

    public init() {}

    /// The key's current generation.
    public func generation(_ key: UUID) -> Int {
        state.withLock { $0.generations[key, default: 0] }
    }

    /// Moves `key`'s generation on and wakes one of its parked waiters. One is enough: a signal is one job
    /// queued (any one of a plane's idle polls may claim it; waking all of them would send every lane of
    /// every agent to the store at once for a single row) or one job answered (it has one waiter). A waiter
    /// that has not parked yet sees the new generation and returns at once; the others look at the store
    /// again at their timeout.
    public func signal(_ key: UUID) {
        let woken = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.generations[key, default: 0] += 1
            guard var parked = state.waiters[key], let id = parked.keys.first else { return nil }
            let continuation = parked.removeValue(forKey: id)
            state.waiters[key] = parked.isEmpty ? nil : parked
            return continuation
        }
        woken?.resume()
    }

    /// How many waiters of `key` are parked (for tests).
    func parkedCount(_ key: UUID) -> Int {
        state.withLock { $0.waiters[key]?.count ?? 0 }
    }

    /// Forgets a key nobody will wait for again (a finished job).
    public func forget(_ key: UUID) {
        state.withLock { _ = $0.generations.removeValue(forKey: key) }
    }

    /// Returns when `key` is signalled after generation `seen`, after `timeout`, or when the task is cancelled.
    public func wait(_ key: UUID, seen: Int, upTo timeout: Duration) async {
        let id = UUID()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let now = self.state.withLock { state -> Bool in
                        if state.released.remove(id) != nil || state.generations[key, default: 0] != seen {
                            return true
                        }
                        state.waiters[key, default: [:]][id] = continuation
                        return false
                    }
                    if now { continuation.resume() }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
            }
            await group.next()
            self.release(key, id)
            group.cancelAll()
        }
        state.withLock { _ = $0.released.remove(id) }
    }

    /// Resumes one waiter (or, when it has not parked yet, makes it return at once when it does).
    private func release(_ key: UUID, _ id: UUID) {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let continuation = state.waiters[key]?.removeValue(forKey: id) {
                if state.waiters[key]?.isEmpty == true { state.waiters[key] = nil }
                return continuation
            }
            state.released.insert(id)
            return nil
        }
        continuation?.resume()
    }
}
