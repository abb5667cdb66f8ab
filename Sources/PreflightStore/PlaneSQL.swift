/// The statements of the data-plane tables, written once in PostgreSQL's form (`$1`...; `CAST` where a
/// bind may be NULL, which both dialects read) and turned into SQLite's by ``sqlite(_:)``.
///
/// Values are always bound, never spliced into the text.
enum PlaneSQL {
    /// SQLite's form of a statement: `?N` placeholders, no row-locking clause (SQLite has one writer).
    static func sqlite(_ statement: String) -> String {
        statement.replacingOccurrences(of: " FOR UPDATE SKIP LOCKED", with: "")
            .replacingOccurrences(of: "$", with: "?")
    }

    /// The columns every plane query returns, in the stores' decoding order.
    static let planeColumns = "uuid, company_uuid, name, token_prefix, created_at, token_issued_at"

    /// Inserts only when the company exists and has no plane of that name; returns one row then.
    /// Binds: uuid, company_uuid, name, token_hash, token_prefix, now.
    static let insertPlane = """
        INSERT INTO data_planes (uuid, company_uuid, name, token_hash, token_prefix, created_at, token_issued_at)
        SELECT $1, $2, $3, $4, $5, $6, $6 WHERE EXISTS (SELECT 1 FROM companies WHERE uuid = $2)
        ON CONFLICT (company_uuid, name) DO NOTHING
        RETURNING uuid
        """
    /// Binds: company_uuid.
    static let selectPlanes = "SELECT \(planeColumns) FROM data_planes WHERE company_uuid = $1 ORDER BY name"
    /// Binds: company_uuid, name.
    static let selectPlaneByName = "SELECT \(planeColumns) FROM data_planes WHERE company_uuid = $1 AND name = $2"
    /// Binds: token_hash.
    static let selectPlaneByToken = "SELECT \(planeColumns) FROM data_planes WHERE token_hash = $1"
    /// Binds: company_uuid, name, token_hash, token_prefix, now.
    static let rotateToken = """
        UPDATE data_planes SET token_hash = $3, token_prefix = $4, token_issued_at = $5
        WHERE company_uuid = $1 AND name = $2
        RETURNING \(planeColumns)
        """
    /// Binds: company_uuid, name.
    static let deletePlane = "DELETE FROM data_planes WHERE company_uuid = $1 AND name = $2 RETURNING uuid"
    /// Binds: company_uuid, name.
    static let clearDefaultNamed = "DELETE FROM company_planes WHERE company_uuid = $1 AND default_plane = $2"

    // MARK: Default plane

    /// Binds: company_uuid.
    static let selectDefault = "SELECT default_plane FROM company_planes WHERE company_uuid = $1"
    /// Binds: company_uuid, default_plane.
    static let upsertDefault = """
        INSERT INTO company_planes (company_uuid, default_plane) VALUES ($1, $2)
        ON CONFLICT (company_uuid) DO UPDATE SET default_plane = excluded.default_plane
        """
    /// Binds: company_uuid.
    static let clearDefault = "DELETE FROM company_planes WHERE company_uuid = $1"

    // MARK: Agents

    /// Binds: plane_uuid, agent_id, version, address (or NULL), now.
    static let heartbeat = """
        INSERT INTO agents (plane_uuid, agent_id, version, address, first_seen_at, last_heartbeat_at)
        VALUES ($1, $2, $3, CAST($4 AS TEXT), $5, $5)
        ON CONFLICT (plane_uuid, agent_id) DO UPDATE SET
            version = excluded.version, address = COALESCE(excluded.address, agents.address),
            last_heartbeat_at = excluded.last_heartbeat_at
        """
    /// Binds: plane_uuid.
    static let selectAgents = """
        SELECT plane_uuid, agent_id, version, address, first_seen_at, last_heartbeat_at, pings_served FROM agents
        WHERE plane_uuid = $1 ORDER BY last_heartbeat_at DESC, agent_id
        """
    /// Binds: plane_uuid, agent_id.
    static let countServed = "UPDATE agents SET pings_served = pings_served + 1 WHERE plane_uuid = $1 AND agent_id = $2"

    // MARK: Jobs

    /// The columns every job query returns, in the stores' decoding order.
    static let jobColumns =
        "uuid, company_uuid, plane_uuid, sealed_payload, state, claimed_by, deadline_at, sealed_report"
    /// Binds: uuid, company_uuid, plane_uuid, sealed_payload, now, deadline_at.
    static let insertJob = """
        INSERT INTO plane_jobs (uuid, company_uuid, plane_uuid, sealed_payload, state, created_at, deadline_at)
        VALUES ($1, $2, $3, $4, 'queued', $5, $6)
        """
    /// A job stored already claimed (handed to a poll waiting on the queuing instance).
    /// Binds: uuid, company_uuid, plane_uuid, sealed_payload, now, deadline_at, claimed_by.
    static let insertClaimedJob = """
        INSERT INTO plane_jobs (uuid, company_uuid, plane_uuid, sealed_payload, state, created_at, deadline_at, claimed_by)
        VALUES ($1, $2, $3, $4, 'claimed', $5, $6, $7)
        """
    /// Jobs whose ping has long ended (their waiter died with its instance). Binds: a cutoff.
    static let dropExpired = "DELETE FROM plane_jobs WHERE deadline_at < $1"
    /// Hands the oldest queued, unexpired job of the plane to one agent. In PostgreSQL the row lock with
    /// SKIP LOCKED lets concurrent claimers take different jobs; the `state = 'queued'` re-check makes a
    /// second claimer of the same row update nothing. Binds: plane_uuid, company_uuid, agent_id, now.
    static let claim = """
        UPDATE plane_jobs SET state = 'claimed', claimed_by = $3
        WHERE state = 'queued' AND uuid = (
            SELECT uuid FROM plane_jobs
            WHERE plane_uuid = $1 AND company_uuid = $2 AND state = 'queued' AND deadline_at > $4
            ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED
        )
        RETURNING \(jobColumns)
        """
    /// Binds: uuid, plane_uuid, agent_id, sealed_report.
    static let answer = """
        UPDATE plane_jobs SET state = 'answered', sealed_report = $4
        WHERE uuid = $1 AND plane_uuid = $2 AND claimed_by = $3 AND state = 'claimed'
        RETURNING uuid
        """
    /// Binds: uuid.
    static let selectJob = "SELECT \(jobColumns) FROM plane_jobs WHERE uuid = $1"
    /// Binds: uuid.
    static let deleteJob = "DELETE FROM plane_jobs WHERE uuid = $1 RETURNING \(jobColumns)"
    /// Deletes the job only when answered. Binds: uuid.
    static let deleteAnswered = "DELETE FROM plane_jobs WHERE uuid = $1 AND state = 'answered' RETURNING \(jobColumns)"

    // MARK: PostgreSQL only (data-modifying WITH; one round trip where SQLite runs two or three statements)

    /// ``insertJob`` and its NOTIFY (sent at commit, so a woken instance sees the row).
    /// Binds: uuid, company_uuid, plane_uuid, sealed_payload, now, deadline_at, channel, payload.
    static let pgInsertJobAndNotify = """
        WITH queued AS (
            INSERT INTO plane_jobs (uuid, company_uuid, plane_uuid, sealed_payload, state, created_at, deadline_at)
            VALUES ($1, $2, $3, $4, 'queued', $5, $6)
            RETURNING uuid
        )
        SELECT uuid, pg_notify($7, $8) FROM queued
        """
    /// ``answer``, ``countServed`` and the NOTIFY, in one statement. Binds: uuid, plane_uuid, agent_id,
    /// sealed_report, channel, payload.
    static let pgAnswerCountAndNotify = """
        WITH answered AS (
            UPDATE plane_jobs SET state = 'answered', sealed_report = $4
            WHERE uuid = $1 AND plane_uuid = $2 AND claimed_by = $3 AND state = 'claimed'
            RETURNING uuid
        ), counted AS (
            UPDATE agents SET pings_served = pings_served + 1
            WHERE plane_uuid = $2 AND agent_id = $3 AND EXISTS (SELECT 1 FROM answered)
        )
        SELECT uuid, pg_notify($5, $6) FROM answered
        """
    /// ``answer`` and ``countServed`` in one statement. Binds: uuid, plane_uuid, agent_id, sealed_report.
    static let pgAnswerAndCount = """
        WITH answered AS (
            UPDATE plane_jobs SET state = 'answered', sealed_report = $4
            WHERE uuid = $1 AND plane_uuid = $2 AND claimed_by = $3 AND state = 'claimed'
            RETURNING uuid
        ), counted AS (
            UPDATE agents SET pings_served = pings_served + 1
            WHERE plane_uuid = $2 AND agent_id = $3 AND EXISTS (SELECT 1 FROM answered)
        )
        SELECT uuid FROM answered
        """
    /// ``pgAnswerAndCount`` (and, with binds 7 and 8, the NOTIFY), then when answered the plane's next
    /// queued job claimed for the same agent (as ``claim``): the report that goes on as the agent's next
    /// poll. One row: whether it was answered, then the claimed job's columns (NULL when none).
    /// Binds: uuid, plane_uuid, agent_id, sealed_report, company_uuid, now[, channel, payload].
    static func pgAnswerAndClaimNext(announce: Bool) -> String {
        """
        WITH answered AS (
            UPDATE plane_jobs SET state = 'answered', sealed_report = $4
            WHERE uuid = $1 AND plane_uuid = $2 AND claimed_by = $3 AND state = 'claimed'
            RETURNING uuid
        ), counted AS (
            UPDATE agents SET pings_served = pings_served + 1
            WHERE plane_uuid = $2 AND agent_id = $3 AND EXISTS (SELECT 1 FROM answered)
        ), next AS (
            UPDATE plane_jobs SET state = 'claimed', claimed_by = $3
            WHERE state = 'queued' AND EXISTS (SELECT 1 FROM answered) AND uuid = (
                SELECT uuid FROM plane_jobs
                WHERE plane_uuid = $2 AND company_uuid = $5 AND state = 'queued' AND deadline_at > $6
                ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED
            )
            RETURNING \(jobColumns)
        )\(announce ? ", notified AS (SELECT pg_notify($7, $8) AS sent FROM answered)" : "")
        SELECT EXISTS (SELECT 1 FROM answered)\(announce ? " AND (SELECT count(*) FROM notified) >= 0" : ""),
            next.uuid, next.company_uuid, next.plane_uuid, next.sealed_payload, next.state, next.claimed_by,
            next.deadline_at, next.sealed_report
        FROM (SELECT 1) AS one LEFT JOIN next ON TRUE
        """
    }
    /// ``deleteAnswered``, else the job as it stands (both read the statement's snapshot). Binds: uuid.
    static let pgTakeAnswer = """
        WITH taken AS (
            DELETE FROM plane_jobs WHERE uuid = $1 AND state = 'answered' RETURNING \(jobColumns)
        )
        SELECT \(jobColumns) FROM taken
        UNION ALL
        SELECT \(jobColumns) FROM plane_jobs WHERE uuid = $1 AND NOT EXISTS (SELECT 1 FROM taken)
        """
}
