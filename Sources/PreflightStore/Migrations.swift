import Logging

/// One numbered step of the schema's history, written once per SQL dialect.
///
/// Migrations are append-only: never edit one that has shipped; add the next number instead. Each runs
/// inside the same transaction as the `schema_migrations` row that records it.
struct Migration: Sendable {
    /// The migration's number; migrations apply in increasing order.
    let version: Int
    /// A short description, stored alongside the version.
    let name: String
    /// The statements for SQLite, run in order.
    let sqlite: [String]
    /// The statements for PostgreSQL, run in order.
    let postgres: [String]
}

/// The schema's history. To add a table, append a `Migration` with the next version.
///
/// Conventions shared by both dialects: UUIDs are lowercase `TEXT`; dates are `BIGINT` milliseconds since
/// 1970 (see `StoreTime`); secrets are never stored, only hashes or ciphertext.
enum Migrations {
    static let all: [Migration] = [
        Migration(
            version: 1,
            name: "companies and api keys",
            sqlite: [
                """
                CREATE TABLE companies (
                    uuid TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                )
                """,
                """
                CREATE TABLE api_keys (
                    uuid TEXT PRIMARY KEY NOT NULL,
                    company_uuid TEXT NOT NULL REFERENCES companies (uuid) ON DELETE CASCADE,
                    key_hash TEXT NOT NULL UNIQUE,
                    prefix TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    last_used_at INTEGER,
                    revoked_at INTEGER
                )
                """,
                "CREATE INDEX api_keys_company_uuid ON api_keys (company_uuid)",
            ],
            postgres: [
                """
                CREATE TABLE companies (
                    uuid TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE api_keys (
                    uuid TEXT PRIMARY KEY,
                    company_uuid TEXT NOT NULL REFERENCES companies (uuid) ON DELETE CASCADE,
                    key_hash TEXT NOT NULL UNIQUE,
                    prefix TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    last_used_at BIGINT,
                    revoked_at BIGINT
                )
                """,
                "CREATE INDEX api_keys_company_uuid ON api_keys (company_uuid)",
            ]
        ),
        Migration(
            version: 2,
            name: "ssh tunnels",
            sqlite: [
                // `sealed_private_key` holds `SecretSealer` output (version byte, nonce, ciphertext, tag), never
                // the private key itself. `environment_uuid` has no foreign key yet: environments are not stored.
                """
                CREATE TABLE ssh_tunnels (
                    uuid TEXT PRIMARY KEY NOT NULL,
                    company_uuid TEXT NOT NULL REFERENCES companies (uuid) ON DELETE CASCADE,
                    environment_uuid TEXT,
                    name TEXT NOT NULL,
                    host TEXT NOT NULL,
                    port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
                    username TEXT NOT NULL,
                    public_key TEXT NOT NULL,
                    sealed_private_key BLOB NOT NULL,
                    host_key_fingerprint TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                )
                """,
                "CREATE INDEX ssh_tunnels_company_uuid ON ssh_tunnels (company_uuid, created_at)",
                // Names are not unique; `company(named:)` wants the oldest, so the index also orders by age.
                "CREATE INDEX companies_name ON companies (name, created_at)",
            ],
            postgres: [
                """
                CREATE TABLE ssh_tunnels (
                    uuid TEXT PRIMARY KEY,
                    company_uuid TEXT NOT NULL REFERENCES companies (uuid) ON DELETE CASCADE,
                    environment_uuid TEXT,
                    name TEXT NOT NULL,
                    host TEXT NOT NULL,
                    port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
                    username TEXT NOT NULL,
                    public_key TEXT NOT NULL,
                    sealed_private_key BYTEA NOT NULL,
                    host_key_fingerprint TEXT,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX ssh_tunnels_company_uuid ON ssh_tunnels (company_uuid, created_at)",
                "CREATE INDEX companies_name ON companies (name, created_at)",
            ]
        ),
        Migration(
            version: 3,
            name: "data planes, agents and the plane job queue",
            sqlite: [
                // `sealed_payload` and `sealed_report` hold `SecretSealer` output (the payload carries the
                // config's secrets and a saved tunnel's private key); a row lives only while its ping runs.
                """
                CREATE TABLE data_planes (
                    uuid TEXT PRIMARY KEY NOT NULL,
                    company_uuid TEXT NOT NULL REFERENCES companies (uuid) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    token_hash TEXT NOT NULL UNIQUE,
                    token_prefix TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    token_issued_at INTEGER NOT NULL,
                    UNIQUE (company_uuid, name)
                )
                """,
                """
                CREATE TABLE agents (
                    plane_uuid TEXT NOT NULL REFERENCES data_planes (uuid) ON DELETE CASCADE,
                    agent_id TEXT NOT NULL,
                    version TEXT NOT NULL,
                    address TEXT,
                    first_seen_at INTEGER NOT NULL,
                    last_heartbeat_at INTEGER NOT NULL,
                    pings_served INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (plane_uuid, agent_id)
                )
                """,
                """
                CREATE TABLE plane_jobs (
                    uuid TEXT PRIMARY KEY NOT NULL,
                    company_uuid TEXT NOT NULL REFERENCES companies (uuid) ON DELETE CASCADE,
                    plane_uuid TEXT NOT NULL REFERENCES data_planes (uuid) ON DELETE CASCADE,
                    sealed_payload BLOB NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('queued', 'claimed', 'answered')),
                    claimed_by TEXT,
                    created_at INTEGER NOT NULL,
                    deadline_at INTEGER NOT NULL,
                    sealed_report BLOB
                )
                """,
                "CREATE INDEX plane_jobs_queue ON plane_jobs (plane_uuid, state, created_at)",
                """
                CREATE TABLE company_planes (
                    company_uuid TEXT PRIMARY KEY NOT NULL REFERENCES companies (uuid) ON DELETE CASCADE,
                    default_plane TEXT NOT NULL
                )
                """,
            ],
            postgres: [
                """
                CREATE TABLE data_planes (
                    uuid TEXT PRIMARY KEY,
                    company_uuid TEXT NOT NULL REFERENCES companies (uuid) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    token_hash TEXT NOT NULL UNIQUE,
                    token_prefix TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    token_issued_at BIGINT NOT NULL,
                    UNIQUE (company_uuid, name)
                )
                """,
                """
                CREATE TABLE agents (
                    plane_uuid TEXT NOT NULL REFERENCES data_planes (uuid) ON DELETE CASCADE,
                    agent_id TEXT NOT NULL,
                    version TEXT NOT NULL,
                    address TEXT,
                    first_seen_at BIGINT NOT NULL,
                    last_heartbeat_at BIGINT NOT NULL,
                    pings_served BIGINT NOT NULL DEFAULT 0,
                    PRIMARY KEY (plane_uuid, agent_id)
                )
                """,
                """
                CREATE TABLE plane_jobs (
                    uuid TEXT PRIMARY KEY,
                    company_uuid TEXT NOT NULL REFERENCES companies (uuid) ON DELETE CASCADE,
                    plane_uuid TEXT NOT NULL REFERENCES data_planes (uuid) ON DELETE CASCADE,
                    sealed_payload BYTEA NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('queued', 'claimed', 'answered')),
                    claimed_by TEXT,
                    created_at BIGINT NOT NULL,
                    deadline_at BIGINT NOT NULL,
                    sealed_report BYTEA
                )
                """,
                "CREATE INDEX plane_jobs_queue ON plane_jobs (plane_uuid, state, created_at)",
                """
                CREATE TABLE company_planes (
                    company_uuid TEXT PRIMARY KEY REFERENCES companies (uuid) ON DELETE CASCADE,
                    default_plane TEXT NOT NULL
                )
                """,
            ]
        ),
    ]

    /// The newest schema version this build knows.
    static var latestVersion: Int { all.last?.version ?? 0 }

    /// The tables the schema defines (including the ledger); used by internal inspection.
    enum Table: String, CaseIterable, Sendable {
        case schemaMigrations = "schema_migrations"
        case companies
        case apiKeys = "api_keys"
        case sshTunnels = "ssh_tunnels"
        case dataPlanes = "data_planes"
        case agents
        case planeJobs = "plane_jobs"
        case companyPlanes = "company_planes"
    }

    /// The indexes the schema defines (besides primary keys and unique constraints); used by internal inspection.
    static let indexes = [
        "api_keys_company_uuid", "ssh_tunnels_company_uuid", "companies_name", "plane_jobs_queue",
    ]

    /// Checks that versions are positive and strictly increasing, and that every migration has both dialects.
    static func validate(_ migrations: [Migration] = all) throws {
        var previous = 0
        for migration in migrations {
            guard migration.version > previous else {
                throw StoreError(
                    .migrationFailed,
                    "Migration versions must be positive and strictly increasing (\(migration.version) after \(previous))."
                )
            }
            guard !migration.sqlite.isEmpty, !migration.postgres.isEmpty else {
                throw StoreError(
                    .migrationFailed, "Migration \(migration.version) lacks statements for one of the backends.")
            }
            previous = migration.version
        }
    }

    /// The migrations still to apply given the versions already recorded, in order.
    ///
    /// A database that records versions this build does not know (a newer instance migrated it) is
    /// accepted with a warning: migrations only add, so older code keeps working during a rolling deploy.
    ///
    /// `known` is the list this build ships; tests pass a prefix of it to build an older schema.
    static func pending(applied: Set<Int>, known: [Migration] = all, logger: Logger) -> [Migration] {
        let unknown = applied.subtracting(known.map(\.version))
        if !unknown.isEmpty {
            logger.warning(
                "The store's schema has migrations this build does not know; a newer version has migrated it",
                metadata: [
                    "unknown_versions": .string(unknown.sorted().map(String.init).joined(separator: ",")),
                    "latest_known_version": .stringConvertible(known.last?.version ?? 0),
                ])
        }
        return known.filter { !applied.contains($0.version) }
    }
}
