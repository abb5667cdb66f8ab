import Foundation
import Logging
import PostgresNIO
import PreflightCore
import Synchronization

/// The shared store: a `PostgresClient` connection pool whose `run()` task belongs to the store and is
/// cancelled by `close()`. Each operation is one statement (or two independent ones), so concurrent
/// requests simply use different pooled connections.
final class PostgresStore: PreflightStore {
    /// The most connections one store instance opens.
    static let maximumConnections = 10

    let url: PostgresURL
    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let closed = Mutex(false)
    private let logger: Logger
    /// The LISTEN connection's task (data-plane wake-ups), cancelled by `close()`.
    let listener = Mutex(Listener())
    /// This store's mark on the NOTIFYs it sends (it skips them when they come back).
    let instanceTag = String(UUID().uuidString.lowercased().prefix(8))
    /// When expired plane jobs were last dropped.
    let expirySweep = ExpirySweep()

    private init(url: PostgresURL, client: PostgresClient, runTask: Task<Void, Never>, logger: Logger) {
        self.url = url
        self.client = client
        self.runTask = runTask
        self.logger = logger
    }

    deinit {
        // Stop the pool of a store that was never closed.
        runTask.cancel()
        listener.withLock { $0.task?.cancel() }
    }

    /// Migrates the database over a dedicated connection (so connection problems surface at once, with a
    /// clear message), then starts the pool.
    /// `migrations` is for tests that build an older schema.
    static func open(url: PostgresURL, logger: Logger, migrations: [Migration] = Migrations.all) async throws
        -> PostgresStore
    {
        try await migrate(url: url, migrations: migrations, logger: logger)
        let client = PostgresClient(
            configuration: url.clientConfiguration(maximumConnections: maximumConnections),
            backgroundLogger: logger
        )
        let runTask = Task { await client.run() }
        return PostgresStore(url: url, client: client, runTask: runTask, logger: logger)
    }

    // MARK: Closing

    func close() async throws {
        let wasOpen = closed.withLock { closed in
            defer { closed = true }
            return !closed
        }
        guard wasOpen else { return }
        await stopListening()
        runTask.cancel()
        await runTask.value
    }

    var isClosed: Bool { closed.withLock { $0 } }

    // MARK: Running statements

    /// Runs one statement on a pooled connection and collects its rows.
    func rows(_ sql: String, _ binds: PostgresBindings, _ action: String) async throws -> [PostgresRow] {
        guard !closed.withLock({ $0 }) else { throw StoreError.closedStore }
        let client = self.client
        let logger = self.logger
        let query = PostgresQuery(unsafeSQL: sql, binds: binds)
        do {
            return try await Self.withDeadline(Self.statementDeadline) {
                try await client.query(query, logger: logger).collect()
            }
        } catch is StatementDeadline {
            throw StoreError(
                .connectionFailed,
                "PostgreSQL at \(url.redacted) did not answer within \(Self.statementDeadline) (could not \(action)); is the server up and reachable?"
            )
        } catch {
            throw Self.storeError(error, action: "PostgreSQL could not \(action)", url: url)
        }
    }

    /// How long one statement may take, waiting for a pooled connection included: with the server down
    /// the pool would otherwise keep a caller waiting for as long as it retries.
    static let statementDeadline: Duration = .seconds(5)

    struct StatementDeadline: Error {}

    /// `body`'s result, or `StatementDeadline` once `limit` has passed (the body is then cancelled and
    /// left to finish on its own: it must not keep the caller waiting).
    static func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T)
        async throws -> T
    {
        let once = Mutex(false)
        let claim: @Sendable () -> Bool = {
            once.withLock { done in
                defer { done = true }
                return !done
            }
        }
        var work: Task<Void, Never>?
        var timer: Task<Void, Never>?
        defer {
            work?.cancel()
            timer?.cancel()
        }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            work = Task {
                do {
                    let value = try await body()
                    if claim() { continuation.resume(returning: value) }
                } catch {
                    if claim() { continuation.resume(throwing: error) }
                }
            }
            timer = Task {
                guard (try? await Task.sleep(for: limit)) != nil else { return }
                if claim() { continuation.resume(throwing: StatementDeadline()) }
            }
        }
    }

    /// Runs `body` (decoding rows), turning a decoding failure into a `StoreError`.
    func decode<T>(_ action: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StoreError {
            throw error
        } catch {
            throw Self.storeError(error, action: "PostgreSQL could not \(action)", url: url)
        }
    }
}

extension PostgresStore: StoreInspecting {
    func rawRows(of table: Migrations.Table) async throws -> [String] {
        let rows = try await rows(PostgresSQL.selectAllAsJSON(table), PostgresBindings(), "read \(table.rawValue)")
        return try decode("read \(table.rawValue)") { try rows.map { try $0.decode(String.self) } }
    }

    func indexNames() async throws -> [String] {
        let rows = try await rows(PostgresSQL.indexNames, PostgresBindings(), "list indexes")
        return try decode("list indexes") { try rows.map { try $0.decode(String.self) } }
    }
}
