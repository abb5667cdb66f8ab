/// Every SQL statement the SQLite store runs, apart from the schema history in `Migrations`.
///
/// Values are always bound (`?1`, `?2`, ...), never spliced into the text.
enum SQLiteSQL {
    /// Connection settings, run once when the store opens. `busy_timeout` (milliseconds) replaces
    /// sqlite-nio's wait-forever busy handler, so a locked database fails instead of hanging.
    /// `synchronous = FULL` syncs the WAL at every commit, so a write the API has acknowledged survives
    /// a power loss or an OS crash too (with `NORMAL` in WAL mode it survives only a crash of this
    /// process, such as `kill -9`). Writes are rare here (tunnels, keys), so the sync costs little.
    static let connectionPragmas = [
        "PRAGMA busy_timeout = 5000",
        "PRAGMA foreign_keys = ON",
        "PRAGMA synchronous = FULL",
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
    /// The oldest company with this exact name (served by index `companies_name`). Binds: name.
    static let selectCompanyByName =
        "SELECT uuid, name, created_at FROM companies WHERE name = ?1 ORDER BY created_at, uuid LIMIT 1"

    // MARK: API keys

    /// Inserts only when the company exists; returns one row then, none otherwise.
    /// Binds: uuid, company_uuid, key_hash, prefix, created_at.
    static let insertKey = """
        INSERT INTO api_keys (uuid, company_uuid, key_hash, prefix, created_at)
        SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM companies WHERE uuid = ?2)
        RETURNING uuid
        """
    /// The company of an active key and when the key was last used. Binds: key_hash.
    static let selectKeyCompany = """
        SELECT c.uuid AS uuid, c.name AS name, c.created_at AS created_at, k.last_used_at AS last_used_at
        FROM api_keys k JOIN companies c ON c.uuid = k.company_uuid
        WHERE k.key_hash = ?1 AND k.revoked_at IS NULL
        """
    /// Marks an active key used. Binds: last_used_at, key_hash.
    static let touchKey = """
        UPDATE api_keys SET last_used_at = ?1 WHERE key_hash = ?2 AND revoked_at IS NULL
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

    // MARK: SSH tunnels

    /// The columns every tunnel query returns, in `SQLiteStore.tunnel(from:)`'s order.
    static let tunnelColumns = """
        uuid, company_uuid, environment_uuid, name, host, port, username, public_key, sealed_private_key, \
        host_key_fingerprint, created_at, updated_at
        """
    /// Inserts only when the company exists and the UUID is free; returns one row then, none otherwise.
    /// (The `WHERE` clause also settles SQLite's INSERT ... SELECT ... ON CONFLICT parsing ambiguity.)
    /// Binds: the twelve columns in `tunnelColumns` order.
    static let insertTunnel = """
        INSERT INTO ssh_tunnels (\(tunnelColumns))
        SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12
        WHERE EXISTS (SELECT 1 FROM companies WHERE uuid = ?2)
        ON CONFLICT (uuid) DO NOTHING
        RETURNING uuid
        """
    /// Binds: uuid, company_uuid.
    static let selectTunnel = "SELECT \(tunnelColumns) FROM ssh_tunnels WHERE uuid = ?1 AND company_uuid = ?2"
    /// Binds: company_uuid.
    static let selectTunnels =
        "SELECT \(tunnelColumns) FROM ssh_tunnels WHERE company_uuid = ?1 ORDER BY created_at, uuid"
    /// `NULL` leaves a field as it is. A different host (ignoring case) or port clears the pinned host key.
    /// `updated_at` always moves forward, even within one millisecond.
    /// Binds: uuid, company_uuid, name, host, port, username, now.
    static let updateTunnel = """
        UPDATE ssh_tunnels SET
            name = COALESCE(?3, name),
            host = COALESCE(?4, host),
            port = COALESCE(?5, port),
            username = COALESCE(?6, username),
            host_key_fingerprint = CASE
                WHEN (?4 IS NOT NULL AND lower(?4) <> lower(host)) OR (?5 IS NOT NULL AND ?5 <> port) THEN NULL
                ELSE host_key_fingerprint
            END,
            updated_at = MAX(?7, updated_at + 1)
        WHERE uuid = ?1 AND company_uuid = ?2
        RETURNING \(tunnelColumns)
        """
    /// Binds: uuid, company_uuid, public_key, sealed_private_key, now.
    static let replaceTunnelKey = """
        UPDATE ssh_tunnels SET public_key = ?3, sealed_private_key = ?4, updated_at = MAX(?5, updated_at + 1)
        WHERE uuid = ?1 AND company_uuid = ?2
        RETURNING \(tunnelColumns)
        """
    /// Binds: uuid, company_uuid, fingerprint (or NULL), now.
    static let pinTunnelHostKey = """
        UPDATE ssh_tunnels SET host_key_fingerprint = ?3, updated_at = MAX(?4, updated_at + 1)
        WHERE uuid = ?1 AND company_uuid = ?2
        RETURNING \(tunnelColumns)
        """
    /// Compare-and-set: writes only while no fingerprint is pinned. Binds: uuid, company_uuid, fingerprint, now.
    static let pinTunnelHostKeyIfUnset = """
        UPDATE ssh_tunnels SET host_key_fingerprint = ?3, updated_at = MAX(?4, updated_at + 1)
        WHERE uuid = ?1 AND company_uuid = ?2 AND host_key_fingerprint IS NULL
        RETURNING \(tunnelColumns)
        """
    /// Returns one row when a tunnel was deleted. Binds: uuid, company_uuid.
    static let deleteTunnel = "DELETE FROM ssh_tunnels WHERE uuid = ?1 AND company_uuid = ?2 RETURNING uuid"

    // MARK: Inspection (tests)

    /// The names of the schema's explicit indexes.
    static let indexNames =
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name"

    /// Every row of a schema table. The table name comes from a fixed list, never from input.
    static func selectAll(_ table: Migrations.Table) -> String {
        "SELECT * FROM \(table.rawValue)"
    }
}
