import Foundation
import PreflightStore
import Synchronization

/// Wakes waiters in this process: an agent's poll when a job for its plane is queued, a ping when its
/// job is answered. Each key has a generation (how many signals it had); a waiter passes the generation
/// it saw before looking at the store, so a signal that lands between the look and the wait is never
/// missed. Each signal wakes one waiter only: a parked one, or else the first that comes to wait after
/// looking before the signal. (Returning every waiter that looked before any signal sent all the polls
/// of a busy instance, whose looks overlap, back to the store for each job: 6.7 claims per job.) Waiters
/// also stop at a timeout, after which they look at the store again: that is how a lost wake-up is noticed.
public final class PlaneWakeups: Sendable {
    /// A key's signals, and how many of them have been handed to a waiter.
    private struct Count {
        var signals = 0
        var handedOut = 0
    }

    /// A parked waiter: its continuation (resumed with a job handed to it, or nil) and, for an agent's
    /// poll, the agent it polls for.
    private struct Parked {
        var continuation: CheckedContinuation<PlaneJob?, Never>
        var agentID: String?
    }

    private struct State {
        var generations: [UUID: Count] = [:]
        var waiters: [UUID: [UUID: Parked]] = [:]
        var released: Set<UUID> = []
    }

    private let state = Mutex(State())

    public init() {}

    /// The key's current generation; from now on the key is watched (signals move it on) until ``forget(_:)``.
    public func generation(_ key: UUID) -> Int {
        state.withLock { state in
            if let count = state.generations[key] { return count.signals }
            state.generations[key] = Count()
            return 0
        }
    }

    /// Moves `key`'s generation on and wakes one of its waiters: a parked one, or else the next that comes
    /// to wait having looked before this signal. A key nobody watches (never read with ``generation(_:)``,
    /// or forgotten) is left alone, so the answers of other instances' jobs, announced to every instance,
    /// leave nothing behind. One waiter is enough: a signal is one job queued (any one of a plane's idle
    /// polls may claim it; waking all of them would send every lane of every agent to the store at once
    /// for a single row) or one job answered (it has one waiter). The others look at the store again at
    /// their timeout. True when it resumed a parked waiter.
    @discardableResult
    public func signal(_ key: UUID) -> Bool {
        let woken = state.withLock { state -> Parked? in
            guard var count = state.generations[key] else { return nil }
            count.signals += 1
            defer { state.generations[key] = count }
            guard var parked = state.waiters[key], let id = parked.keys.first else { return nil }
            let continuation = parked.removeValue(forKey: id)
            state.waiters[key] = parked.isEmpty ? nil : parked
            count.handedOut += 1
            return continuation
        }
        woken?.continuation.resume(returning: nil)
        return woken != nil
    }

    /// A poll parked on `key` taken out of the waiters, so that no signal wakes it: the caller claims a job
    /// for `agentID` and must call `deliver` once, with that job (the poll answers it) or nil (it looks at
    /// the store again). Nil when no agent's poll is parked there.
    public func takeParkedPoll(_ key: UUID) -> (agentID: String, deliver: @Sendable (PlaneJob?) -> Void)? {
        let taken = state.withLock { state -> (String, CheckedContinuation<PlaneJob?, Never>)? in
            guard var parked = state.waiters[key],
                let (id, waiter) = parked.first(where: { $0.value.agentID != nil }), let agentID = waiter.agentID
            else { return nil }
            parked.removeValue(forKey: id)
            state.waiters[key] = parked.isEmpty ? nil : parked
            return (agentID, waiter.continuation)
        }
        guard let (agentID, continuation) = taken else { return nil }
        return (agentID, { job in continuation.resume(returning: job) })
    }

    /// Whether a waiter of this process watches `key` (read its generation and not forgotten it yet).
    public func isWatched(_ key: UUID) -> Bool {
        state.withLock { $0.generations[key] != nil }
    }

    /// How many waiters of `key` are parked.
    func parkedCount(_ key: UUID) -> Int {
        state.withLock { $0.waiters[key]?.count ?? 0 }
    }

    /// How many keys are watched (for tests).
    func watchedCount() -> Int {
        state.withLock { $0.generations.count }
    }

    /// Forgets a key nobody will wait for again (a finished job).
    public func forget(_ key: UUID) {
        state.withLock { _ = $0.generations.removeValue(forKey: key) }
    }

    /// Returns when `key` is signalled after generation `seen` (a signal no other waiter had), after
    /// `timeout`, or when the task is cancelled. An agent's poll passes `agentID`: a job may then be handed
    /// to it (``takeParkedPoll(_:)``), which it returns.
    @discardableResult
    public func wait(_ key: UUID, seen: Int, upTo timeout: Duration, agentID: String? = nil) async -> PlaneJob? {
        let id = UUID()
        let handed = await withTaskGroup(of: PlaneJob?.self) { group in
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<PlaneJob?, Never>) in
                    let now = self.state.withLock { state -> Bool in
                        if state.released.remove(id) != nil { return true }
                        // A signal after this waiter looked that no waiter has had yet: it is this one's.
                        if var count = state.generations[key], count.signals > seen, count.handedOut < count.signals {
                            count.handedOut += 1
                            state.generations[key] = count
                            return true
                        }
                        state.waiters[key, default: [:]][id] = Parked(continuation: continuation, agentID: agentID)
                        return false
                    }
                    if now { continuation.resume(returning: nil) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            var handed = await group.next() ?? nil
            self.release(key, id)
            group.cancelAll()
            // A job handed over as the timeout ended still arrives (the hand-over resumes the waiter).
            while let more = await group.next() { if let job = more { handed = job } }
            return handed
        }
        state.withLock { _ = $0.released.remove(id) }
        return handed
    }

    /// Resumes one waiter (or, when it has not parked yet, makes it return at once when it does).
    private func release(_ key: UUID, _ id: UUID) {
        let continuation = state.withLock { state -> CheckedContinuation<PlaneJob?, Never>? in
            if let parked = state.waiters[key]?.removeValue(forKey: id) {
                if state.waiters[key]?.isEmpty == true { state.waiters[key] = nil }
                return parked.continuation
            }
            state.released.insert(id)
            return nil
        }
        continuation?.resume(returning: nil)
    }
}
