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

    private init(url: PostgresURL, client: PostgresClient, runTask: Task<Void, Never>, logger: Logger) {
        self.url = url
        self.client = client
        self.runTask = runTask
        self.logger = logger
    }

    deinit {
        // Stop the pool of a store that was never closed.
        runTask.cancel()
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

    // MARK: PreflightStore

    func createCompany(name: String) async throws -> Company {
        let name = try Company.validatedName(name)
        let now = StoreTime.nowMillis()
        let company = Company(uuid: UUID(), name: name, createdAt: StoreTime.date(millis: now))
        var binds = PostgresBindings()
        binds.append(StoreUUID.text(company.uuid))
        binds.append(company.name)
        binds.append(now)
        _ = try await rows(PostgresSQL.insertCompany, binds, "create a company")
        return company
    }

    func company(uuid: UUID) async throws -> Company? {
        var binds = PostgresBindings()
        binds.append(StoreUUID.text(uuid))
        guard let row = try await rows(PostgresSQL.selectCompany, binds, "read a company").first else { return nil }
        return try decode("read a company") { try Self.company(from: row) }
    }

    func company(named name: String) async throws -> Company? {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= Company.maximumNameLength else { return nil }
        var binds = PostgresBindings()
        binds.append(name)
        guard let row = try await rows(PostgresSQL.selectCompanyByName, binds, "find a company by name").first else {
            return nil
        }
        return try decode("find a company by name") { try Self.company(from: row) }
    }

    private static func company(from row: PostgresRow) throws -> Company {
        let (uuid, name, createdAt) = try row.decode((String, String, Int64).self)
        return Company(
            uuid: try StoreUUID.parse(uuid, column: "companies.uuid"),
            name: name,
            createdAt: StoreTime.date(millis: createdAt)
        )
    }

    func companyCount() async throws -> Int {
        guard let row = try await rows(PostgresSQL.countCompanies, PostgresBindings(), "count companies").first else {
            throw StoreError(.corruptData, "COUNT(*) returned no row.")
        }
        return try decode("count companies") { Int(try row.decode(Int64.self)) }
    }

    func issueKey(for companyUUID: UUID) async throws -> IssuedKey {
        let secret = APIKeyGenerator.generate()
        let now = StoreTime.nowMillis()
        let record = APIKeyRecord(
            uuid: UUID(), companyUUID: companyUUID, prefix: APIKeyGenerator.displayPrefix(of: secret),
            createdAt: StoreTime.date(millis: now), lastUsedAt: nil
        )
        var binds = PostgresBindings()
        binds.append(StoreUUID.text(record.uuid))
        binds.append(StoreUUID.text(companyUUID))
        binds.append(APIKeyGenerator.hash(secret))
        binds.append(record.prefix)
        binds.append(now)
        guard try await !rows(PostgresSQL.insertKey, binds, "issue an API key").isEmpty else {
            throw StoreError(.companyNotFound, "No company with UUID \(StoreUUID.text(companyUUID)).")
        }
        return IssuedKey(secret: secret, record: record)
    }

    func authenticate(key: String) async throws -> Company? {
        guard APIKeyGenerator.isWellFormed(key) else { return nil }
        var binds = PostgresBindings()
        binds.append(StoreTime.nowMillis())
        binds.append(APIKeyGenerator.hash(key))
        guard let row = try await rows(PostgresSQL.touchKey, binds, "authenticate an API key").first else { return nil }
        let companyUUID = try decode("authenticate an API key") {
            try StoreUUID.parse(try row.decode(String.self), column: "api_keys.company_uuid")
        }
        return try await company(uuid: companyUUID)
    }

    func revokeKey(uuid: UUID, companyUUID: UUID) async throws -> Bool {
        var binds = PostgresBindings()
        binds.append(StoreTime.nowMillis())
        binds.append(StoreUUID.text(uuid))
        binds.append(StoreUUID.text(companyUUID))
        return try await !rows(PostgresSQL.revokeKey, binds, "revoke an API key").isEmpty
    }

    func keys(for companyUUID: UUID) async throws -> [APIKeyRecord] {
        var binds = PostgresBindings()
        binds.append(StoreUUID.text(companyUUID))
        let rows = try await rows(PostgresSQL.selectKeys, binds, "list API keys")
        return try decode("list API keys") {
            try rows.map { row in
                let (uuid, company, prefix, createdAt, lastUsedAt) = try row.decode(
                    (String, String, String, Int64, Int64?).self)
                return APIKeyRecord(
                    uuid: try StoreUUID.parse(uuid, column: "api_keys.uuid"),
                    companyUUID: try StoreUUID.parse(company, column: "api_keys.company_uuid"),
                    prefix: prefix,
                    createdAt: StoreTime.date(millis: createdAt),
                    lastUsedAt: lastUsedAt.map(StoreTime.date(millis:))
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
        var binds = PostgresBindings()
        binds.append(StoreUUID.text(record.uuid))
        binds.append(StoreUUID.text(record.companyUUID))
        binds.append(record.environmentUUID.map(StoreUUID.text))
        binds.append(record.name)
        binds.append(record.host)
        binds.append(Int32(record.port))
        binds.append(record.username)
        binds.append(record.publicKey)
        try binds.append(record.sealedPrivateKey)
        binds.append(record.hostKeyFingerprint)
        binds.append(now)
        binds.append(now)
        guard try await rows(PostgresSQL.insertTunnel, binds, "create an SSH tunnel").isEmpty else { return record }
        guard try await company(uuid: record.companyUUID) != nil else {
            throw StoreError(.companyNotFound, "No company with UUID \(StoreUUID.text(record.companyUUID)).")
        }
        throw StoreError(.invalidInput, "An SSH tunnel with UUID \(StoreUUID.text(record.uuid)) already exists.")
    }

    func tunnel(uuid: UUID, companyUUID: UUID) async throws -> SSHTunnelRecord? {
        let rows = try await rows(PostgresSQL.selectTunnel, Self.scope(uuid, companyUUID), "read an SSH tunnel")
        return try decode("read an SSH tunnel") { try rows.first.map(Self.tunnel(from:)) }
    }

    func tunnels(for companyUUID: UUID) async throws -> [SSHTunnelRecord] {
        var binds = PostgresBindings()
        binds.append(StoreUUID.text(companyUUID))
        let rows = try await rows(PostgresSQL.selectTunnels, binds, "list SSH tunnels")
        return try decode("list SSH tunnels") { try rows.map(Self.tunnel(from:)) }
    }

    func updateTunnel(uuid: UUID, companyUUID: UUID, changes: SSHTunnelChanges) async throws -> SSHTunnelRecord? {
        let changes = try TunnelValidation.validated(changes)
        guard !changes.isEmpty else { return try await tunnel(uuid: uuid, companyUUID: companyUUID) }
        var binds = Self.scope(uuid, companyUUID)
        binds.append(changes.name)
        binds.append(changes.host)
        binds.append(changes.port.map(Int32.init))
        binds.append(changes.username)
        binds.append(StoreTime.nowMillis())
        let rows = try await rows(PostgresSQL.updateTunnel, binds, "update an SSH tunnel")
        return try decode("update an SSH tunnel") { try rows.first.map(Self.tunnel(from:)) }
    }

    func replaceTunnelKey(uuid: UUID, companyUUID: UUID, publicKey: String, sealedPrivateKey: Data) async throws
        -> SSHTunnelRecord?
    {
        var binds = Self.scope(uuid, companyUUID)
        binds.append(try TunnelValidation.publicKey(publicKey))
        try binds.append(TunnelValidation.sealedKey(sealedPrivateKey))
        binds.append(StoreTime.nowMillis())
        let rows = try await rows(PostgresSQL.replaceTunnelKey, binds, "replace an SSH tunnel's key")
        return try decode("replace an SSH tunnel's key") { try rows.first.map(Self.tunnel(from:)) }
    }

    func pinTunnelHostKey(uuid: UUID, companyUUID: UUID, fingerprint: String?, onlyIfUnset: Bool) async throws
        -> SSHTunnelRecord?
    {
        let fingerprint = try fingerprint.map(TunnelValidation.fingerprint)
        if onlyIfUnset, fingerprint == nil { return try await tunnel(uuid: uuid, companyUUID: companyUUID) }
        var binds = Self.scope(uuid, companyUUID)
        binds.append(fingerprint)
        binds.append(StoreTime.nowMillis())
        let sql = onlyIfUnset ? PostgresSQL.pinTunnelHostKeyIfUnset : PostgresSQL.pinTunnelHostKey
        let rows = try await rows(sql, binds, "pin an SSH tunnel's host key")
        if let row = rows.first {
            return try decode("pin an SSH tunnel's host key") { try Self.tunnel(from: row) }
        }
        // Not updated: no such tunnel, or (onlyIfUnset) a key is already pinned. A new statement (a new
        // snapshot) reports the tunnel as it is now, including a pin that just won the race.
        return try await tunnel(uuid: uuid, companyUUID: companyUUID)
    }

    func deleteTunnel(uuid: UUID, companyUUID: UUID) async throws -> Bool {
        try await !rows(PostgresSQL.deleteTunnel, Self.scope(uuid, companyUUID), "delete an SSH tunnel").isEmpty
    }

    /// Binds: a tunnel's uuid, then its company's.
    private static func scope(_ uuid: UUID, _ companyUUID: UUID) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(StoreUUID.text(uuid))
        binds.append(StoreUUID.text(companyUUID))
        return binds
    }

    private static func tunnel(from row: PostgresRow) throws -> SSHTunnelRecord {
        let columns = try row.decode(
            (String, String, String?, String, String, Int32, String, String, Data, String?, Int64, Int64).self
        )
        return SSHTunnelRecord(
            uuid: try StoreUUID.parse(columns.0, column: "ssh_tunnels.uuid"),
            companyUUID: try StoreUUID.parse(columns.1, column: "ssh_tunnels.company_uuid"),
            environmentUUID: try columns.2.map { try StoreUUID.parse($0, column: "ssh_tunnels.environment_uuid") },
            name: columns.3,
            host: columns.4,
            port: Int(columns.5),
            username: columns.6,
            publicKey: columns.7,
            sealedPrivateKey: columns.8,
            hostKeyFingerprint: columns.9,
            createdAt: StoreTime.date(millis: columns.10),
            updatedAt: StoreTime.date(millis: columns.11)
        )
    }

    // MARK: Closing

    func close() async throws {
        let wasOpen = closed.withLock { closed in
            defer { closed = true }
            return !closed
        }
        guard wasOpen else { return }
        runTask.cancel()
        await runTask.value
    }

    // MARK: Running statements

    /// Runs one statement on a pooled connection and collects its rows.
    private func rows(_ sql: String, _ binds: PostgresBindings, _ action: String) async throws -> [PostgresRow] {
        guard !closed.withLock({ $0 }) else { throw StoreError.closedStore }
        do {
            return try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).collect()
        } catch {
            throw Self.storeError(error, action: "PostgreSQL could not \(action)", url: url)
        }
    }

    private func decode<T>(_ action: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StoreError {
            throw error
        } catch {
            throw Self.storeError(error, action: "PostgreSQL could not \(action)", url: url)
        }
    }

    // MARK: Migrations

    /// Applies pending migrations in one transaction holding a transaction-scoped advisory lock, so that
    /// instances starting at once apply each migration exactly once: the others wait for the lock, then
    /// find nothing to do.
    private static func migrate(url: PostgresURL, migrations: [Migration], logger: Logger) async throws {
        let connection = try await connect(url: url, logger: logger)
        do {
            try await connection.withTransaction(logger: logger) { connection in
                var lockBinds = PostgresBindings()
                lockBinds.append(PostgresSQL.migrationLockKey)
                try await execute(PostgresSQL.lockMigrations, lockBinds, on: connection, logger: logger)
                try await execute(PostgresSQL.createMigrationsTable, on: connection, logger: logger)
                var applied = Set<Int>()
                for row in try await execute(PostgresSQL.appliedVersions, on: connection, logger: logger) {
                    applied.insert(Int(try row.decode(Int64.self)))
                }
                for migration in Migrations.pending(applied: applied, known: migrations, logger: logger) {
                    for statement in migration.postgres {
                        try await execute(statement, on: connection, logger: logger)
                    }
                    var binds = PostgresBindings()
                    binds.append(Int64(migration.version))
                    binds.append(migration.name)
                    binds.append(StoreTime.nowMillis())
                    try await execute(PostgresSQL.recordMigration, binds, on: connection, logger: logger)
                    logger.info(
                        "Applied store migration",
                        metadata: [
                            "backend": "postgres", "version": .stringConvertible(migration.version),
                            "name": .string(migration.name),
                        ])
                }
            }
        } catch {
            try? await connection.close()
            throw storeError(
                error, action: "Could not migrate the PostgreSQL database at \(url.redacted)", url: url,
                kind: .migrationFailed)
        }
        try? await connection.close()
    }

    /// Runs one statement on a dedicated connection and collects its rows.
    @discardableResult
    static func execute(
        _ sql: String, _ binds: PostgresBindings = PostgresBindings(), on connection: PostgresConnection, logger: Logger
    ) async throws -> [PostgresRow] {
        try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).collect()
    }

    /// One connection outside the pool (migrations, administration).
    static func connect(url: PostgresURL, database: String? = nil, logger: Logger) async throws -> PostgresConnection {
        do {
            return try await PostgresConnection.connect(
                configuration: url.connectionConfiguration(database: database), id: 0, logger: logger
            )
        } catch let error as StoreError {
            throw error
        } catch {
            var target = url
            if let database { target.database = database }
            throw storeError(
                error, action: "Could not connect to PostgreSQL at \(target.redacted)", url: url,
                kind: .connectionFailed)
        }
    }

    // MARK: Errors

    /// A `StoreError` for a PostgresNIO error. PSQLError hides its details from `description`, so this
    /// extracts the useful, non-secret parts (SQLSTATE and server message, or the network error), and
    /// masks the URL's password in case any part echoes it.
    static func storeError(_ error: any Error, action: String, url: PostgresURL, kind: StoreError.Kind = .databaseError)
        -> StoreError
    {
        if let error = error as? StoreError { return error }
        let (detail, isConnectionProblem) = describe(error)
        var resolvedKind = kind
        if isConnectionProblem, kind == .databaseError { resolvedKind = .connectionFailed }
        let redactor = Redactor(secrets: [url.password].compactMap { $0 })
        return StoreError(resolvedKind, redactor.redact("\(action): \(detail)"))
    }

    /// A safe description of `error`, and whether it means the server could not be reached or logged into.
    private static func describe(_ error: any Error) -> (String, Bool) {
        switch error {
        case let error as PostgresTransactionError:
            if let inner = error.closureError ?? error.beginError ?? error.commitError { return describe(inner) }
            return ("the transaction failed", false)
        case let error as PSQLError:
            if error.code == .server, let info = error.serverInfo {
                let state = info[.sqlState] ?? "?????"
                let message = info[.message] ?? "no message"
                // Class 28: invalid authorization; 3D: invalid catalog (database) name; 08: connection exception.
                let isConnection = state.hasPrefix("28") || state.hasPrefix("3D") || state.hasPrefix("08")
                return ("\(message) (SQLSTATE \(state))", isConnection)
            }
            if error.code == .sslUnsupported {
                return (
                    "the server does not support TLS, which this sslmode requires (use sslmode=prefer or disable to allow an unencrypted connection)",
                    true
                )
            }
            var text = "\(error.code)"
            if let underlying = error.underlying { text += ": \(underlying)" }
            let isConnection = [
                .connectionError, .serverClosedConnection, .sslUnsupported, .failedToAddSSLHandler,
                .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError,
            ].contains(error.code)
            return (text, isConnection)
        case let error as PostgresDecodingError:
            return ("column \(error.columnName) could not be decoded (\(error.code))", false)
        default:
            return (String(describing: error), "\(type(of: error))".contains("ConnectionPool"))
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
