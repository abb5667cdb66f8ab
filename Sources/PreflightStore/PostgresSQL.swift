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
    /// The oldest company with this exact name (served by index `companies_name`). Binds: name.
    static let selectCompanyByName =
        "SELECT uuid, name, created_at FROM companies WHERE name = $1 ORDER BY created_at, uuid LIMIT 1"

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
    /// ``touchKey`` and the key's company in one round trip (every request authenticates). Binds:
    /// last_used_at, key_hash. Returns the company's columns, or no row.
    static let touchKeyReturningCompany = """
        WITH touched AS (
            UPDATE api_keys SET last_used_at = $1
            WHERE key_hash = $2 AND revoked_at IS NULL
            RETURNING company_uuid
        )
        SELECT companies.uuid, companies.name, companies.created_at
        FROM companies JOIN touched ON companies.uuid = touched.company_uuid
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

    // MARK: SSH tunnels
    //
    // Parameters that may be bound as NULL (which PostgresNIO sends untyped) are cast explicitly.

    /// The columns every tunnel query returns, in `PostgresStore.tunnel(from:)`'s order.
    static let tunnelColumns = """
        uuid, company_uuid, environment_uuid, name, host, port, username, public_key, sealed_private_key, \
        host_key_fingerprint, created_at, updated_at
        """
    /// Inserts only when the company exists and the UUID is free; returns one row then, none otherwise.
    /// Binds: the twelve columns in `tunnelColumns` order.
    static let insertTunnel = """
        INSERT INTO ssh_tunnels (\(tunnelColumns))
        SELECT $1, $2, $3::text, $4, $5, $6::integer, $7, $8, $9::bytea, $10::text, $11, $12
        WHERE EXISTS (SELECT 1 FROM companies WHERE uuid = $2)
        ON CONFLICT (uuid) DO NOTHING
        RETURNING uuid
        """
    /// Binds: uuid, company_uuid.
    static let selectTunnel = "SELECT \(tunnelColumns) FROM ssh_tunnels WHERE uuid = $1 AND company_uuid = $2"
    /// Binds: company_uuid.
    static let selectTunnels =
        "SELECT \(tunnelColumns) FROM ssh_tunnels WHERE company_uuid = $1 ORDER BY created_at, uuid"
    /// `NULL` leaves a field as it is. A different host (ignoring case) or port clears the pinned host key.
    /// `updated_at` always moves forward, even within one millisecond.
    /// Binds: uuid, company_uuid, name, host, port, username, now.
    static let updateTunnel = """
        UPDATE ssh_tunnels SET
            name = COALESCE($3::text, name),
            host = COALESCE($4::text, host),
            port = COALESCE($5::integer, port),
            username = COALESCE($6::text, username),
            host_key_fingerprint = CASE
                WHEN ($4::text IS NOT NULL AND lower($4::text) <> lower(host)) OR ($5::integer IS NOT NULL AND $5::integer <> port) THEN NULL
                ELSE host_key_fingerprint
            END,
            updated_at = GREATEST($7, updated_at + 1)
        WHERE uuid = $1 AND company_uuid = $2
        RETURNING \(tunnelColumns)
        """
    /// Binds: uuid, company_uuid, public_key, sealed_private_key, now.
    static let replaceTunnelKey = """
        UPDATE ssh_tunnels SET public_key = $3, sealed_private_key = $4, updated_at = GREATEST($5, updated_at + 1)
        WHERE uuid = $1 AND company_uuid = $2
        RETURNING \(tunnelColumns)
        """
    /// Binds: uuid, company_uuid, fingerprint (or NULL), now.
    static let pinTunnelHostKey = """
        UPDATE ssh_tunnels SET host_key_fingerprint = $3::text, updated_at = GREATEST($4, updated_at + 1)
        WHERE uuid = $1 AND company_uuid = $2
        RETURNING \(tunnelColumns)
        """
    /// Compare-and-set: writes only while no fingerprint is pinned (a concurrent pin makes this update
    /// re-check the row after the other commits, and skip it). Binds: uuid, company_uuid, fingerprint, now.
    static let pinTunnelHostKeyIfUnset = """
        UPDATE ssh_tunnels SET host_key_fingerprint = $3::text, updated_at = GREATEST($4, updated_at + 1)
        WHERE uuid = $1 AND company_uuid = $2 AND host_key_fingerprint IS NULL
        RETURNING \(tunnelColumns)
        """
    /// Returns one row when a tunnel was deleted. Binds: uuid, company_uuid.
    static let deleteTunnel = "DELETE FROM ssh_tunnels WHERE uuid = $1 AND company_uuid = $2 RETURNING uuid"

    // MARK: Inspection (tests)

    /// The names of the indexes in the store's schema.
    static let indexNames = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname"

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
