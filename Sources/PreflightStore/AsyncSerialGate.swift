import Synchronization

/// Lets one async operation run at a time, in arrival order.
///
/// The SQLite store has one connection; the gate keeps a multi-statement operation (or a transaction)
/// from interleaving with another task's statements, and keeps `close()` from racing an in-flight query.
final class AsyncSerialGate: Sendable {
    private struct State {
        var busy = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var head = 0
    }

    private let state = Mutex(State())

    init() {}

    /// Runs `body` once every earlier caller has finished. Waiting is not cancellable (operations are short).
    func run<T>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let enteredNow = state.withLock { state -> Bool in
                if state.busy {
                    state.waiters.append(continuation)
                    return false
                }
                state.busy = true
                return true
            }
            if enteredNow { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.head < state.waiters.count else {
                state.waiters.removeAll(keepingCapacity: true)
                state.head = 0
                state.busy = false
                return nil
            }
            let next = state.waiters[state.head]
            state.head += 1
            return next  // stays busy: ownership passes to `next`
        }
        next?.resume()
    }
}
