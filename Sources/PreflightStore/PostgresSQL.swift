/// Every SQL statement the PostgreSQL store runs, apart from the schema history in `Migrations`.
///
/// Values are always bound (`$1`, `$2`, ...), never spliced into the text.
enum PostgresSQL {
    /// The key of the transaction-scoped advisory lock that serialises migrations across instances
    /// (an arbitrary constant: "preflight" in ASCII, truncated to fit a bigint).
    static let migrationLockKey: Int64 = 0x70_72_65_66_6c_69_67_68

    /// Waits for the migration lock; released automatically at COMMIT or ROLLBACK. Binds: lock key.
    static let lockMigrations = "SELECT pg_advisory_xact_lock($1)"

    // MARK: Migrations ledger

    static let createMigrationsTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            applied_at BIGINT NOT NULL
        )
        """
    static let appliedVersions = "SELECT version FROM schema_migrations ORDER BY version"
    /// Binds: version, name, applied_at.
    static let recordMigration = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)"

    // MARK: Companies

    /// Binds: uuid, name, created_at.
    static let insertCompany = "INSERT INTO companies (uuid, name, created_at) VALUES ($1, $2, $3)"
    /// Binds: uuid.
    static let selectCompany = "SELECT uuid, name, created_at FROM companies WHERE uuid = $1"
    static let countCompanies = "SELECT COUNT(*) FROM companies"

    // MARK: API keys

    /// Inserts only when the company exists; returns one row then, none otherwise.
    /// Binds: uuid, company_uuid, key_hash, prefix, created_at.
    static let insertKey = """
        INSERT INTO api_keys (uuid, company_uuid, key_hash, prefix, created_at)
        SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM companies WHERE uuid = $2)
        RETURNING uuid
        """
    /// Marks an active key used and returns its company. Binds: last_used_at, key_hash.
    static let touchKey = """
        UPDATE api_keys SET last_used_at = $1
        WHERE key_hash = $2 AND revoked_at IS NULL
        RETURNING company_uuid
        """
    /// Returns one row when a key was revoked. Binds: revoked_at, uuid, company_uuid.
    static let revokeKey = """
        UPDATE api_keys SET revoked_at = $1
        WHERE uuid = $2 AND company_uuid = $3 AND revoked_at IS NULL
        RETURNING uuid
        """
    /// Binds: company_uuid.
    static let selectKeys = """
        SELECT uuid, company_uuid, prefix, created_at, last_used_at FROM api_keys
        WHERE company_uuid = $1 AND revoked_at IS NULL
        ORDER BY created_at, uuid
        """

    // MARK: Inspection (tests)

    /// Every row of a schema table as JSON text. The table name comes from a fixed list, never from input.
    static func selectAllAsJSON(_ table: Migrations.Table) -> String {
        "SELECT row_to_json(t)::text FROM \(table.rawValue) t"
    }

    // MARK: Administration (tests, tooling)

    /// Identifiers cannot be bound; callers must pass a name accepted by `PostgresAdmin.isSafeIdentifier`.
    static func createDatabase(_ safeName: String) -> String {
        "CREATE DATABASE \"\(safeName)\""
    }

    /// Identifiers cannot be bound; callers must pass a name accepted by `PostgresAdmin.isSafeIdentifier`.
    static func dropDatabase(_ safeName: String) -> String {
        "DROP DATABASE IF EXISTS \"\(safeName)\" WITH (FORCE)"
    }
}
