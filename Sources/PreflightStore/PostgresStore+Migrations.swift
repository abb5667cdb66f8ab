import Logging
import PostgresNIO

/// Migrations, and the connections outside the pool that run them.
extension PostgresStore {
    /// Applies pending migrations in one transaction holding a transaction-scoped advisory lock, so that
    /// instances starting at once apply each migration exactly once: the others wait for the lock, then
    /// find nothing to do.
    static func migrate(url: PostgresURL, migrations: [Migration], logger: Logger) async throws {
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
}
