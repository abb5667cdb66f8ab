import Foundation
import Logging
import NIOCore
import SQLiteNIO
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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

    // MARK: PreflightStore

    func createCompany(name: String) async throws -> Company {
        let name = try Company.validatedName(name)
        let now = StoreTime.nowMillis()
        let company = Company(uuid: UUID(), name: name, createdAt: StoreTime.date(millis: now))
        try await run("create a company") { db in
            _ = try await Self.execute(
                db, SQLiteSQL.insertCompany,
                [
                    .text(StoreUUID.text(company.uuid)), .text(company.name), .integer(Int(now)),
                ])
        }
        return company
    }

    func company(uuid: UUID) async throws -> Company? {
        try await run("read a company") { db in
            try await Self.company(uuid: uuid, in: db)
        }
    }

    func company(named name: String) async throws -> Company? {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= Company.maximumNameLength else { return nil }
        return try await run("find a company by name") { db in
            let rows = try await Self.execute(db, SQLiteSQL.selectCompanyByName, [.text(name)])
            return try rows.first.map(Self.company(from:))
        }
    }

    func companyCount() async throws -> Int {
        try await run("count companies") { db in
            let rows = try await Self.execute(db, SQLiteSQL.countCompanies)
            guard let count = rows.first?.column("count")?.integer else {
                throw StoreError(.corruptData, "COUNT(*) returned no value.")
            }
            return Int(count)
        }
    }

    func issueKey(for companyUUID: UUID) async throws -> IssuedKey {
        let secret = APIKeyGenerator.generate()
        let now = StoreTime.nowMillis()
        let record = APIKeyRecord(
            uuid: UUID(), companyUUID: companyUUID, prefix: APIKeyGenerator.displayPrefix(of: secret),
            createdAt: StoreTime.date(millis: now), lastUsedAt: nil
        )
        try await run("issue an API key") { db in
            let rows = try await Self.execute(
                db, SQLiteSQL.insertKey,
                [
                    .text(StoreUUID.text(record.uuid)), .text(StoreUUID.text(companyUUID)),
                    .text(APIKeyGenerator.hash(secret)), .text(record.prefix), .integer(Int(now)),
                ])
            guard !rows.isEmpty else {
                throw StoreError(.companyNotFound, "No company with UUID \(StoreUUID.text(companyUUID)).")
            }
        }
        return IssuedKey(secret: secret, record: record)
    }

    func authenticate(key: String) async throws -> Company? {
        guard APIKeyGenerator.isWellFormed(key) else { return nil }
        let hash = APIKeyGenerator.hash(key)
        return try await run("authenticate an API key") { db in
            let rows = try await Self.execute(
                db, SQLiteSQL.touchKey, [.integer(Int(StoreTime.nowMillis())), .text(hash)])
            guard let row = rows.first else { return nil }
            let companyUUID = try StoreUUID.parse(row.text("company_uuid"), column: "api_keys.company_uuid")
            return try await Self.company(uuid: companyUUID, in: db)
        }
    }

    func revokeKey(uuid: UUID, companyUUID: UUID) async throws -> Bool {
        try await run("revoke an API key") { db in
            let rows = try await Self.execute(
                db, SQLiteSQL.revokeKey,
                [
                    .integer(Int(StoreTime.nowMillis())), .text(StoreUUID.text(uuid)),
                    .text(StoreUUID.text(companyUUID)),
                ])
            return !rows.isEmpty
        }
    }

    func keys(for companyUUID: UUID) async throws -> [APIKeyRecord] {
        try await run("list API keys") { db in
            let rows = try await Self.execute(db, SQLiteSQL.selectKeys, [.text(StoreUUID.text(companyUUID))])
            return try rows.map { row in
                APIKeyRecord(
                    uuid: try StoreUUID.parse(row.text("uuid"), column: "api_keys.uuid"),
                    companyUUID: try StoreUUID.parse(row.text("company_uuid"), column: "api_keys.company_uuid"),
                    prefix: try row.text("prefix"),
                    createdAt: StoreTime.date(millis: try row.int64("created_at")),
                    lastUsedAt: try row.optionalInt64("last_used_at").map(StoreTime.date(millis:))
                )
            }
        }
    }

    // MARK: SSH tunnels

    func createTunnel(_ record: SSHTunnelRecord) async throws -> SSHTunnelRecord {
        var record = try TunnelValidation.validated(record)
        let now = StoreTime.nowMillis()
        record.createdAt = StoreTime.date(millis: now)
        record.updatedAt = record.createdAt
        let binds: [SQLiteData] = [
            .text(StoreUUID.text(record.uuid)), .text(StoreUUID.text(record.companyUUID)),
            record.environmentUUID.map { .text(StoreUUID.text($0)) } ?? .null,
            .text(record.name), .text(record.host), .integer(record.port), .text(record.username),
            .text(record.publicKey),
            .blob(ByteBuffer(bytes: record.sealedPrivateKey)), record.hostKeyFingerprint.map { .text($0) } ?? .null,
            .integer(Int(now)), .integer(Int(now)),
        ]
        try await run("create an SSH tunnel") { db in
            guard try await Self.execute(db, SQLiteSQL.insertTunnel, binds).isEmpty else { return }
            guard try await Self.company(uuid: record.companyUUID, in: db) != nil else {
                throw StoreError(.companyNotFound, "No company with UUID \(StoreUUID.text(record.companyUUID)).")
            }
            throw StoreError(.invalidInput, "An SSH tunnel with UUID \(StoreUUID.text(record.uuid)) already exists.")
        }
        return record
    }

    func tunnel(uuid: UUID, companyUUID: UUID) async throws -> SSHTunnelRecord? {
        try await run("read an SSH tunnel") { db in
            try await Self.tunnel(uuid: uuid, companyUUID: companyUUID, in: db)
        }
    }

    func tunnels(for companyUUID: UUID) async throws -> [SSHTunnelRecord] {
        try await run("list SSH tunnels") { db in
            try await Self.execute(db, SQLiteSQL.selectTunnels, [.text(StoreUUID.text(companyUUID))]).map(
                Self.tunnel(from:))
        }
    }

    func updateTunnel(uuid: UUID, companyUUID: UUID, changes: SSHTunnelChanges) async throws -> SSHTunnelRecord? {
        let changes = try TunnelValidation.validated(changes)
        guard !changes.isEmpty else { return try await tunnel(uuid: uuid, companyUUID: companyUUID) }
        return try await run("update an SSH tunnel") { db in
            let rows = try await Self.execute(
                db, SQLiteSQL.updateTunnel,
                [
                    .text(StoreUUID.text(uuid)), .text(StoreUUID.text(companyUUID)),
                    changes.name.map { .text($0) } ?? .null, changes.host.map { .text($0) } ?? .null,
                    changes.port.map { .integer($0) } ?? .null, changes.username.map { .text($0) } ?? .null,
                    .integer(Int(StoreTime.nowMillis())),
                ])
            return try rows.first.map(Self.tunnel(from:))
        }
    }

    func replaceTunnelKey(uuid: UUID, companyUUID: UUID, publicKey: String, sealedPrivateKey: Data) async throws
        -> SSHTunnelRecord?
    {
        let publicKey = try TunnelValidation.publicKey(publicKey)
        let sealedPrivateKey = try TunnelValidation.sealedKey(sealedPrivateKey)
        return try await run("replace an SSH tunnel's key") { db in
            let rows = try await Self.execute(
                db, SQLiteSQL.replaceTunnelKey,
                [
                    .text(StoreUUID.text(uuid)), .text(StoreUUID.text(companyUUID)),
                    .text(publicKey), .blob(ByteBuffer(bytes: sealedPrivateKey)), .integer(Int(StoreTime.nowMillis())),
                ])
            return try rows.first.map(Self.tunnel(from:))
        }
    }

    func pinTunnelHostKey(uuid: UUID, companyUUID: UUID, fingerprint: String?, onlyIfUnset: Bool) async throws
        -> SSHTunnelRecord?
    {
        let fingerprint = try fingerprint.map(TunnelValidation.fingerprint)
        if onlyIfUnset, fingerprint == nil { return try await tunnel(uuid: uuid, companyUUID: companyUUID) }
        return try await run("pin an SSH tunnel's host key") { db in
            let rows = try await Self.execute(
                db, onlyIfUnset ? SQLiteSQL.pinTunnelHostKeyIfUnset : SQLiteSQL.pinTunnelHostKey,
                [
                    .text(StoreUUID.text(uuid)), .text(StoreUUID.text(companyUUID)),
                    fingerprint.map { .text($0) } ?? .null, .integer(Int(StoreTime.nowMillis())),
                ])
            if let row = rows.first { return try Self.tunnel(from: row) }
            // Not updated: no such tunnel, or (onlyIfUnset) a key is already pinned; report the tunnel as it is.
            return try await Self.tunnel(uuid: uuid, companyUUID: companyUUID, in: db)
        }
    }

    func deleteTunnel(uuid: UUID, companyUUID: UUID) async throws -> Bool {
        try await run("delete an SSH tunnel") { db in
            try await !Self.execute(
                db, SQLiteSQL.deleteTunnel, [.text(StoreUUID.text(uuid)), .text(StoreUUID.text(companyUUID))]
            ).isEmpty
        }
    }

    private static func tunnel(uuid: UUID, companyUUID: UUID, in db: SQLiteConnection) async throws -> SSHTunnelRecord?
    {
        let rows = try await execute(
            db, SQLiteSQL.selectTunnel, [.text(StoreUUID.text(uuid)), .text(StoreUUID.text(companyUUID))])
        return try rows.first.map(tunnel(from:))
    }

    private static func tunnel(from row: SQLiteRow) throws -> SSHTunnelRecord {
        SSHTunnelRecord(
            uuid: try StoreUUID.parse(row.text("uuid"), column: "ssh_tunnels.uuid"),
            companyUUID: try StoreUUID.parse(row.text("company_uuid"), column: "ssh_tunnels.company_uuid"),
            environmentUUID: try row.optionalText("environment_uuid").map {
                try StoreUUID.parse($0, column: "ssh_tunnels.environment_uuid")
            },
            name: try row.text("name"),
            host: try row.text("host"),
            port: Int(try row.int64("port")),
            username: try row.text("username"),
            publicKey: try row.text("public_key"),
            sealedPrivateKey: try row.blob("sealed_private_key"),
            hostKeyFingerprint: try row.optionalText("host_key_fingerprint"),
            createdAt: StoreTime.date(millis: try row.int64("created_at")),
            updatedAt: StoreTime.date(millis: try row.int64("updated_at"))
        )
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
    private func run<T>(_ action: String, _ body: (SQLiteConnection) async throws -> T) async throws -> T {
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

    private static func company(uuid: UUID, in db: SQLiteConnection) async throws -> Company? {
        let rows = try await Self.execute(db, SQLiteSQL.selectCompany, [.text(StoreUUID.text(uuid))])
        return try rows.first.map(company(from:))
    }

    private static func company(from row: SQLiteRow) throws -> Company {
        Company(
            uuid: try StoreUUID.parse(row.text("uuid"), column: "companies.uuid"),
            name: try row.text("name"),
            createdAt: StoreTime.date(millis: try row.int64("created_at"))
        )
    }

    /// Runs one statement and collects its rows. Uses sqlite-nio's future-based API on purpose: its async
    /// API drops work still queued on the thread pool when the calling task is cancelled, which could
    /// leave a transaction half done; a statement here, once submitted, always runs to completion.
    private static func execute(_ db: SQLiteConnection, _ sql: String, _ binds: [SQLiteData] = []) async throws
        -> [SQLiteRow]
    {
        let rows: EventLoopFuture<[SQLiteRow]> = db.query(sql, binds)
        return try await rows.get()
    }

    /// Closes the connection even if the calling task is cancelled (see `execute`); sqlite-nio asserts
    /// that a connection is closed before it is released.
    private static func closeToCompletion(_ db: SQLiteConnection) async throws {
        let closed: EventLoopFuture<Void> = db.close()
        try await closed.get()
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? SQLiteError { return error.description }
        return String(describing: error)
    }

    // MARK: Opening

    /// Creates the database file with owner-only permissions if it does not exist yet, so the WAL and
    /// shared-memory files SQLite derives from it get the same mode. `O_EXCL` keeps this from ever
    /// truncating a database another process has just created.
    private static func prepareFile(at path: String) throws {
        if path.hasPrefix("file:") { return }  // an SQLite URI filename: leave it to SQLite
        let descriptor = openExclusive(path)
        if descriptor >= 0 {
            _ = closeDescriptor(descriptor)
            return
        }
        let code = errno
        if code == EEXIST { return }
        let reason = String(cString: strerror(code))
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if code == ENOENT, !FileManager.default.fileExists(atPath: directory) {
            throw StoreError(
                .connectionFailed,
                "Could not create the SQLite database at \(path): the directory \(directory) does not exist.")
        }
        throw StoreError(.connectionFailed, "Could not create the SQLite database at \(path): \(reason).")
    }

    private static func openExclusive(_ path: String) -> Int32 {
        #if canImport(Glibc)
            return Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        #else
            return Darwin.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        #endif
    }

    private static func closeDescriptor(_ descriptor: Int32) -> Int32 {
        #if canImport(Glibc)
            return Glibc.close(descriptor)
        #else
            return Darwin.close(descriptor)
        #endif
    }

    private static func configure(_ db: SQLiteConnection, path: String, isMemory: Bool, logger: Logger) async throws {
        do {
            for pragma in SQLiteSQL.connectionPragmas {
                _ = try await Self.execute(db, pragma)
            }
            if !isMemory {
                let mode = try await Self.enableWAL(db)
                if mode?.lowercased() != "wal" {
                    logger.warning(
                        "SQLite did not switch to WAL mode",
                        metadata: ["path": .string(path), "journal_mode": .string(mode ?? "unknown")])
                }
            }
        } catch {
            throw StoreError(
                .connectionFailed, "Could not configure the SQLite database at \(path): \(describe(error))")
        }
    }

    /// Switches to WAL. Changing the journal mode needs a moment of exclusive access, and SQLite answers
    /// "database is locked" at once (without its busy handler) while another connection is opening the
    /// same file, so this retries for up to five seconds.
    private static func enableWAL(_ db: SQLiteConnection) async throws -> String? {
        var attempt = 0
        while true {
            do {
                return try await Self.execute(db, SQLiteSQL.enableWAL).first?.column("journal_mode")?.string
            } catch {
                attempt += 1
                guard attempt < 100, "\(error)".contains("locked") || "\(error)".contains("busy") else { throw error }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// Applies pending migrations in one `BEGIN IMMEDIATE` transaction, so that two processes opening the
    /// same file at once apply each migration exactly once (the second waits for the first, then finds
    /// nothing to do).
    private static func migrate(_ db: SQLiteConnection, migrations: [Migration], logger: Logger) async throws {
        do {
            _ = try await Self.execute(db, SQLiteSQL.beginImmediate)
        } catch {
            throw StoreError(.migrationFailed, "Could not lock the SQLite database to migrate it: \(describe(error))")
        }
        do {
            _ = try await Self.execute(db, SQLiteSQL.createMigrationsTable)
            let applied = try await Self.execute(db, SQLiteSQL.appliedVersions).map { row in
                guard let version = row.column("version")?.integer else {
                    throw StoreError(.corruptData, "schema_migrations holds a version that is not an integer.")
                }
                return Int(version)
            }
            for migration in Migrations.pending(applied: Set(applied), known: migrations, logger: logger) {
                for statement in migration.sqlite {
                    _ = try await Self.execute(db, statement)
                }
                _ = try await Self.execute(
                    db, SQLiteSQL.recordMigration,
                    [
                        .integer(migration.version), .text(migration.name), .integer(Int(StoreTime.nowMillis())),
                    ])
                logger.info(
                    "Applied store migration",
                    metadata: [
                        "backend": "sqlite", "version": .stringConvertible(migration.version),
                        "name": .string(migration.name),
                    ])
            }
            _ = try await Self.execute(db, SQLiteSQL.commit)
        } catch {
            _ = try? await Self.execute(db, SQLiteSQL.rollback)
            if let error = error as? StoreError { throw error }
            throw StoreError(.migrationFailed, "Could not migrate the SQLite database: \(describe(error))")
        }
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

private extension SQLiteRow {
    func text(_ name: String) throws -> String {
        guard let data = column(name), case .text(let value) = data else {
            throw StoreError(.corruptData, "Column \(name) is missing or not text.")
        }
        return value
    }

    func int64(_ name: String) throws -> Int64 {
        guard let data = column(name), case .integer(let value) = data else {
            throw StoreError(.corruptData, "Column \(name) is missing or not an integer.")
        }
        return Int64(value)
    }

    func optionalText(_ name: String) throws -> String? {
        guard let data = column(name) else {
            throw StoreError(.corruptData, "Column \(name) is missing.")
        }
        if case .null = data { return nil }
        return try text(name)
    }

    func blob(_ name: String) throws -> Data {
        guard let data = column(name), case .blob(let buffer) = data else {
            throw StoreError(.corruptData, "Column \(name) is missing or not a blob.")
        }
        return Data(buffer.readableBytesView)
    }

    func optionalInt64(_ name: String) throws -> Int64? {
        guard let data = column(name) else {
            throw StoreError(.corruptData, "Column \(name) is missing.")
        }
        if case .null = data { return nil }
        return try int64(name)
    }
}
