/// Every SQL statement the SQLite store runs, apart from the schema history in `Migrations`.
///
/// Values are always bound (`?1`, `?2`, ...), never spliced into the text.
enum SQLiteSQL {
    /// Connection settings, run once when the store opens. `busy_timeout` (milliseconds) replaces
    /// sqlite-nio's wait-forever busy handler, so a locked database fails instead of hanging.
    static let connectionPragmas = [
        "PRAGMA busy_timeout = 5000",
        "PRAGMA foreign_keys = ON",
        "PRAGMA synchronous = NORMAL",
    ]
    /// Switches the file to write-ahead logging; returns one row with column `journal_mode`.
    static let enableWAL = "PRAGMA journal_mode = WAL"

    // MARK: Transactions

    /// Takes the write lock at once, so two processes migrating the same file queue instead of deadlocking.
    static let beginImmediate = "BEGIN IMMEDIATE"
    static let commit = "COMMIT"
    static let rollback = "ROLLBACK"

    // MARK: Migrations ledger

    static let createMigrationsTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            applied_at INTEGER NOT NULL
        )
        """
    static let appliedVersions = "SELECT version FROM schema_migrations ORDER BY version"
    /// Binds: version, name, applied_at.
    static let recordMigration = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)"

    // MARK: Companies

    /// Binds: uuid, name, created_at.
    static let insertCompany = "INSERT INTO companies (uuid, name, created_at) VALUES (?1, ?2, ?3)"
    /// Binds: uuid.
    static let selectCompany = "SELECT uuid, name, created_at FROM companies WHERE uuid = ?1"
    static let countCompanies = "SELECT COUNT(*) AS count FROM companies"

    // MARK: API keys

    /// Inserts only when the company exists; returns one row then, none otherwise.
    /// Binds: uuid, company_uuid, key_hash, prefix, created_at.
    static let insertKey = """
        INSERT INTO api_keys (uuid, company_uuid, key_hash, prefix, created_at)
        SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM companies WHERE uuid = ?2)
        RETURNING uuid
        """
    /// Marks an active key used and returns its company. Binds: last_used_at, key_hash.
    static let touchKey = """
        UPDATE api_keys SET last_used_at = ?1
        WHERE key_hash = ?2 AND revoked_at IS NULL
        RETURNING company_uuid
        """
    /// Returns one row when a key was revoked. Binds: revoked_at, uuid, company_uuid.
    static let revokeKey = """
        UPDATE api_keys SET revoked_at = ?1
        WHERE uuid = ?2 AND company_uuid = ?3 AND revoked_at IS NULL
        RETURNING uuid
        """
    /// Binds: company_uuid.
    static let selectKeys = """
        SELECT uuid, company_uuid, prefix, created_at, last_used_at FROM api_keys
        WHERE company_uuid = ?1 AND revoked_at IS NULL
        ORDER BY created_at, uuid
        """

    // MARK: Inspection (tests)

    /// Every row of a schema table. The table name comes from a fixed list, never from input.
    static func selectAll(_ table: Migrations.Table) -> String {
        "SELECT * FROM \(table.rawValue)"
    }
}
