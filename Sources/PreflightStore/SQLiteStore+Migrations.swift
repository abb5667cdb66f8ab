import Logging
import SQLiteNIO

extension SQLiteStore {
    /// Applies pending migrations in one `BEGIN IMMEDIATE` transaction, so that two processes opening the
    /// same file at once apply each migration exactly once (the second waits for the first, then finds
    /// nothing to do).
    static func migrate(_ db: SQLiteConnection, migrations: [Migration], logger: Logger) async throws {
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
