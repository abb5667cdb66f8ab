import PreflightCore

/// What the readiness queries observed. Optional fields stay nil when a query could not run.
public struct PostgresObservations: Sendable, Equatable {
    public var serverVersion: String?
    public var serverVersionNum: Int?
    public var walLevel: String?
    public var inRecovery: Bool?
    public var rolReplication: Bool?
    public var rolSuper: Bool?
    public var rdsReplicationMember: Bool?
    public var publications: [String]?
    public var logicalSlots: [String]?
    public var maxReplicationSlots: Int?
    public var usedReplicationSlots: Int?
    public var maxWalSenders: Int?
    public var tablesTotal: Int?
    public var tablesUnreadable: [String]?
    /// Why a query failed, by check name.
    public var queryErrors: [String: String] = [:]

    public init() {}
}

/// Turns observations into readiness checks, all of them, with observed vs required and the fix. Pure.
public enum PostgresReadiness {
    public static func checks(_ seen: PostgresObservations, user: String, database: String) -> [ReadinessCheck] {
        var checks: [ReadinessCheck] = []
        let quotedUser = PostgresIdentifier.quote(user)

        if let version = seen.serverVersionNum {
            let shown = seen.serverVersion ?? String(version)
            checks.append(
                ReadinessCheck(
                    name: "server_version", status: version >= 100000 ? .passed : .failed,
                    observed: shown, required: "10 or later (logical decoding with pgoutput)",
                    fix: version >= 100000 ? nil : "upgrade the server to PostgreSQL 12 or later"))
        } else {
            checks.append(unknown("server_version", required: "10 or later", seen))
        }

        if let level = seen.walLevel {
            checks.append(
                ReadinessCheck(
                    name: "wal_level", status: level == "logical" ? .passed : .failed, observed: level,
                    required: "logical",
                    detail: level == "logical" ? nil : "logical decoding needs wal_level = logical",
                    fix: level == "logical"
                        ? nil
                        : "ALTER SYSTEM SET wal_level = logical; then restart the server (on RDS/Aurora: set rds.logical_replication = 1 in the parameter group and reboot)",
                    restartRequired: level == "logical" ? nil : true))
        } else {
            checks.append(unknown("wal_level", required: "logical", seen))
        }

        if let replication = seen.rolReplication {
            let rds = seen.rdsReplicationMember ?? false
            let superuser = seen.rolSuper ?? false
            let ok = replication || superuser || rds
            let observed =
                superuser
                ? "superuser"
                : replication ? "REPLICATION" : rds ? "member of rds_replication" : "no REPLICATION attribute"
            checks.append(
                ReadinessCheck(
                    name: "replication_privilege", status: ok ? .passed : .failed, observed: observed,
                    required: "REPLICATION attribute (or rds_replication membership on RDS)",
                    fix: ok
                        ? nil
                        : "ALTER ROLE \(quotedUser) WITH REPLICATION;  -- on RDS/Aurora: GRANT rds_replication TO \(quotedUser);",
                    restartRequired: ok ? nil : false))
        } else {
            checks.append(unknown("replication_privilege", required: "REPLICATION attribute", seen))
        }

        if let recovery = seen.inRecovery {
            let canDecodeOnStandby = (seen.serverVersionNum ?? 0) >= 160000
            checks.append(
                ReadinessCheck(
                    name: "primary", status: recovery ? (canDecodeOnStandby ? .warning : .failed) : .passed,
                    observed: recovery ? "read replica (in recovery)" : "primary", required: "the primary server",
                    detail: recovery
                        ? "replication slots cannot be created on a standby before PostgreSQL 16, and a standby's slots are lost on failover"
                        : nil,
                    fix: recovery ? "connect to the primary (writer) endpoint instead" : nil))
        } else {
            checks.append(unknown("primary", required: "the primary server", seen))
        }

        if let maxSlots = seen.maxReplicationSlots, let used = seen.usedReplicationSlots {
            let free = maxSlots - used
            checks.append(
                ReadinessCheck(
                    name: "replication_slots_free", status: free > 0 ? .passed : .failed,
                    observed: "\(used) of \(maxSlots) in use", required: "at least 1 free slot",
                    fix: free > 0
                        ? nil
                        : "ALTER SYSTEM SET max_replication_slots = \(max(maxSlots * 2, 4)); then restart, or drop unused slots (SELECT pg_drop_replication_slot('name'))",
                    restartRequired: free > 0 ? nil : true))
        }

        if let senders = seen.maxWalSenders {
            checks.append(
                ReadinessCheck(
                    name: "max_wal_senders", status: senders > 0 ? .passed : .failed, observed: String(senders),
                    required: "at least 1",
                    fix: senders > 0 ? nil : "ALTER SYSTEM SET max_wal_senders = 10; then restart the server",
                    restartRequired: senders > 0 ? nil : true))
        }

        if let publications = seen.publications {
            checks.append(
                ReadinessCheck(
                    name: "publications", status: publications.isEmpty ? .warning : .passed,
                    observed: publications.isEmpty ? "none in \(database)" : publications.joined(separator: ", "),
                    required: "a publication for the replicated tables (or the right to create one)",
                    fix: publications.isEmpty
                        ? "CREATE PUBLICATION artie_publication FOR ALL TABLES;  -- or FOR TABLE a, b" : nil))
        }

        if let slots = seen.logicalSlots {
            checks.append(
                ReadinessCheck(
                    name: "logical_slots", status: .passed,
                    observed: slots.isEmpty ? "none in \(database)" : slots.joined(separator: ", "),
                    required: "informational: existing logical slots of this database",
                    detail: slots.isEmpty
                        ? nil : "an unused slot retains WAL and fills the disk; drop slots nothing reads"))
        }

        if let total = seen.tablesTotal, let unreadable = seen.tablesUnreadable {
            let shown =
                unreadable.prefix(5).joined(separator: ", ")
                + (unreadable.count > 5 ? " and \(unreadable.count - 5) more" : "")
            checks.append(
                ReadinessCheck(
                    name: "select_privilege", status: unreadable.isEmpty ? .passed : .warning,
                    observed: unreadable.isEmpty
                        ? "SELECT on all \(total) tables"
                        : "no SELECT on \(unreadable.count) of \(total) tables: \(shown)",
                    required: "SELECT on every replicated table",
                    fix: unreadable.isEmpty
                        ? nil
                        : "GRANT SELECT ON ALL TABLES IN SCHEMA public TO \(quotedUser);  -- for each schema replicated"
                ))
        }
        return checks
    }

    private static func unknown(_ name: String, required: String, _ seen: PostgresObservations) -> ReadinessCheck {
        ReadinessCheck(
            name: name, status: .warning, observed: "unknown", required: required,
            detail: seen.queryErrors[name].map { "could not be read: \($0)" } ?? "could not be read")
    }
}
