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

    /// Wakes every waiter of `key` and moves its generation on.
    public func signal(_ key: UUID) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.generations[key, default: 0] += 1
            return Array((state.waiters.removeValue(forKey: key) ?? [:]).values)
        }
        for continuation in woken { continuation.resume() }
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
