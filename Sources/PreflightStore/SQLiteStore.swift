import Foundation
import Logging
import NIOCore
import SQLiteNIO
import Synchronization

/// The embedded store: one SQLite connection (WAL mode, `busy_timeout`) whose blocking libsqlite3 calls
/// run on a one-thread `NIOThreadPool` owned by the store. Operations run one at a time through a gate,
/// so a multi-statement operation or a transaction never interleaves with another.
///
/// The pool is private on purpose: a connection waiting out `busy_timeout` blocks its thread, and on a
/// shared pool enough waiting connections would starve the one holding the lock (a deadlock until the
/// timeout fires; seen with several stores opening one file on a 2-core machine).
final class SQLiteStore: PreflightStore {
    /// The database file, or `":memory:"`.
    let path: String
    private let connection: SQLiteConnection
    private let threadPool: NIOThreadPool
    private let gate = AsyncSerialGate()
    private let closed = Mutex(false)
    private let logger: Logger
    /// When expired plane jobs were last dropped.
    let expirySweep = ExpirySweep()

    private init(path: String, connection: SQLiteConnection, threadPool: NIOThreadPool, logger: Logger) {
        self.path = path
        self.connection = connection
        self.threadPool = threadPool
        self.logger = logger
    }

    deinit {
        // sqlite-nio asserts that connections are closed; close a forgotten one in the background.
        let wasOpen = closed.withLock { closed in
            defer { closed = true }
            return !closed
        }
        if wasOpen {
            logger.warning("SQLite store was not closed before being released", metadata: ["path": .string(path)])
            let threadPool = self.threadPool
            connection.close().whenComplete { _ in threadPool.shutdownGracefully { _ in } }
        }
    }

    /// Opens (creating if needed, with mode 0600) the database at `path`, configures it and migrates it.
    /// `migrations` is for tests that build an older schema.
    static func open(path: String, logger: Logger, migrations: [Migration] = Migrations.all) async throws -> SQLiteStore
    {
        let isMemory = path == StoreLocation.sqliteMemoryPath
        if !isMemory { try prepareFile(at: path) }
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        let connection: SQLiteConnection
        do {
            let opening: EventLoopFuture<SQLiteConnection> = SQLiteConnection.open(
                storage: isMemory ? .memory : .file(path: path),
                threadPool: threadPool,
                logger: logger,
                on: MultiThreadedEventLoopGroup.singleton.any()
            )
            connection = try await opening.get()
        } catch {
            try? await threadPool.shutdownGracefully()
            throw StoreError(.connectionFailed, "Could not open the SQLite database at \(path): \(describe(error))")
        }
        do {
            try await configure(connection, path: path, isMemory: isMemory, logger: logger)
            try await migrate(connection, migrations: migrations, logger: logger)
        } catch {
            try? await closeToCompletion(connection)
            try? await threadPool.shutdownGracefully()
            throw error
        }
        return SQLiteStore(path: path, connection: connection, threadPool: threadPool, logger: logger)
    }

    // MARK: Closing

    func close() async throws {
        try await gate.run {
            let wasOpen = closed.withLock { closed in
                defer { closed = true }
                return !closed
            }
            guard wasOpen else { return }
            var failure: (any Error)?
            do {
                try await Self.closeToCompletion(connection)
            } catch {
                failure = error
            }
            try? await threadPool.shutdownGracefully()
            if let failure {
                throw StoreError(
                    .databaseError, "Could not close the SQLite database at \(path): \(Self.describe(failure))")
            }
        }
    }

    // MARK: Running statements

    /// Runs `body` alone on the connection, turning any failure into a `StoreError`.
    func run<T>(_ action: String, _ body: (SQLiteConnection) async throws -> T) async throws -> T {
        try await gate.run {
            guard !closed.withLock({ $0 }) else { throw StoreError.closedStore }
            do {
                return try await body(connection)
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError(.databaseError, "SQLite could not \(action): \(Self.describe(error))")
            }
        }
    }

    /// Runs one statement and collects its rows. Uses sqlite-nio's future-based API on purpose: its async
    /// API drops work still queued on the thread pool when the calling task is cancelled, which could
    /// leave a transaction half done; a statement here, once submitted, always runs to completion.
    static func execute(_ db: SQLiteConnection, _ sql: String, _ binds: [SQLiteData] = []) async throws
        -> [SQLiteRow]
    {
        let rows: EventLoopFuture<[SQLiteRow]> = db.query(sql, binds)
        return try await rows.get()
    }

    /// Closes the connection even if the calling task is cancelled (see `execute`); sqlite-nio asserts
    /// that a connection is closed before it is released.
    static func closeToCompletion(_ db: SQLiteConnection) async throws {
        let closed: EventLoopFuture<Void> = db.close()
        try await closed.get()
    }

    /// SQLite's own description of `error` (sqlite-nio's errors), or any other error's.
    static func describe(_ error: any Error) -> String {
        if let error = error as? SQLiteError { return error.description }
        return String(describing: error)
    }
}

extension SQLiteStore: StoreInspecting {
    func rawRows(of table: Migrations.Table) async throws -> [String] {
        try await run("read \(table.rawValue)") { db in
            try await Self.execute(db, SQLiteSQL.selectAll(table)).map { row in
                row.columns.map { column in
                    // Blobs as hex (sqlite-nio would print only their size), so tests can look inside them.
                    if case .blob(let buffer) = column.data {
                        return
                            "\(column.name)=x'\(buffer.readableBytesView.map { String(format: "%02x", $0) }.joined())'"
                    }
                    return "\(column.name)=\(column.data.description)"
                }.joined(separator: "|")
            }
        }
    }

    func indexNames() async throws -> [String] {
        try await run("list indexes") { db in
            try await Self.execute(db, SQLiteSQL.indexNames).map { try $0.text("name") }
        }
    }
}
