import Foundation
import Logging
import PostgresNIO

/// Data-plane wake-ups between instances: PostgreSQL's NOTIFY on one channel, LISTENed to on a
/// connection of its own (outside the pool), reconnected after a second when it drops.
extension PostgresStore {
    /// The channel; its payloads are the lowercase UUID of a plane or job, a space and the tag of the
    /// store that sent it (``instanceTag``), so an instance skips its own (it woke its waiters directly).
    static let wakeupChannel = "preflight_plane_wakeups"

    /// A NOTIFY payload for `key`.
    func announcement(_ key: UUID) -> String { "\(StoreUUID.text(key)) \(instanceTag)" }

    /// The key of a payload, or nil for one this store sent (or one it cannot read).
    func announcedKey(_ payload: String) -> UUID? {
        let parts = payload.split(separator: " ", maxSplits: 1)
        guard let first = parts.first, let key = UUID(uuidString: String(first)) else { return nil }
        if parts.count == 2, parts[1] == instanceTag { return nil }
        return key
    }

    func announce(_ key: UUID) async {
        var binds = PostgresBindings()
        binds.append(Self.wakeupChannel)
        binds.append(announcement(key))
        _ = try? await rows("SELECT pg_notify($1, $2)", binds, "announce a data plane wake-up")
    }

    func listenForAnnouncements(_ handler: @escaping @Sendable (UUID) -> Void) {
        let url = self.url
        let logger = Logger(label: "preflight.store.listen")
        let task = Task { [weak self] in
            while !Task.isCancelled, let store = self, !store.isClosed {
                do {
                    let connection = try await Self.connect(url: url, logger: logger)
                    let keep = store.listener.withLock { state -> Bool in
                        guard !state.stopped else { return false }
                        state.connection = connection
                        return true
                    }
                    if keep {
                        do {
                            for try await notification in try await connection.listen(Self.wakeupChannel) {
                                if let uuid = store.announcedKey(notification.payload) { handler(uuid) }
                            }
                        } catch {
                            if !Task.isCancelled {
                                logger.warning("lost the data-plane wake-up connection; reconnecting")
                            }
                        }
                    }
                    store.listener.withLock { $0.connection = nil }
                    try? await connection.close()
                } catch {
                    if !Task.isCancelled { logger.warning("could not open the data-plane wake-up connection") }
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        let previous = listener.withLock { state -> Task<Void, Never>? in
            defer { state.task = task }
            return state.task
        }
        previous?.cancel()
    }

    /// The LISTEN task and its connection (while open); once `stopped`, no new connection is kept.
    struct Listener: Sendable {
        var task: Task<Void, Never>?
        var connection: PostgresConnection?
        var stopped = false
    }

    /// Stops listening: cancels the task and closes its connection (which ends the wait for notifications).
    func stopListening() async {
        let (task, connection) = listener.withLock { state in
            state.stopped = true
            defer {
                state.task = nil
                state.connection = nil
            }
            return (state.task, state.connection)
        }
        task?.cancel()
        try? await connection?.close()
        await task?.value
    }
}
