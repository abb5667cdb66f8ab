import PreflightCore

/// What the read-only readiness queries returned (nil: not read; `errors` says why).
struct OracleObservations: Sendable, Equatable {
    /// V$DATABASE.LOG_MODE: ARCHIVELOG or NOARCHIVELOG.
    var logMode: String?
    /// V$DATABASE.SUPPLEMENTAL_LOG_DATA_MIN: YES, IMPLICIT or NO.
    var supplementalLogDataMin: String?
    /// SESSION_PRIVS.
    var privileges: Set<String>?
    /// SESSION_ROLES.
    var roles: Set<String>?
    /// USER_TAB_PRIVS has EXECUTE on DBMS_LOGMNR.
    var executeOnLogMinerGranted: Bool?
    /// The query (by view) and the ORA- error it met.
    var errors: [String: String] = [:]
}

/// The LogMiner checks a CDC reader needs, observed vs required, each with the exact fix. Pure.
public enum OracleReadiness {
    /// The read-only queries, by the view each reads.
    public static let queries: [(view: String, sql: String)] = [
        ("V$DATABASE", "SELECT LOG_MODE, SUPPLEMENTAL_LOG_DATA_MIN FROM V$DATABASE"),
        ("SESSION_PRIVS", "SELECT PRIVILEGE FROM SESSION_PRIVS"),
        ("SESSION_ROLES", "SELECT ROLE FROM SESSION_ROLES"),
        ("USER_TAB_PRIVS", "SELECT PRIVILEGE FROM USER_TAB_PRIVS WHERE TABLE_NAME = 'DBMS_LOGMNR'"),
    ]

    static func checks(_ seen: OracleObservations, user: String) -> [ReadinessCheck] {
        let name = OracleLoginErrorMapping.sqlName(user)
        var checks: [ReadinessCheck] = []
        if let mode = seen.logMode {
            let archiving = mode.uppercased() == "ARCHIVELOG"
            checks.append(
                ReadinessCheck(
                    name: "log_mode", status: archiving ? .passed : .failed, observed: mode, required: "ARCHIVELOG",
                    detail: "V$DATABASE.LOG_MODE: LogMiner reads the archived redo logs",
                    fix: archiving
                        ? nil
                        : "as SYSDBA: SHUTDOWN IMMEDIATE; STARTUP MOUNT; ALTER DATABASE ARCHIVELOG; ALTER DATABASE OPEN; (ALTER DATABASE ARCHIVELOG needs the database mounted, not open; on Amazon RDS set a backup retention period above 0 instead)",
                    restartRequired: archiving ? nil : true))
            let minimal = seen.supplementalLogDataMin?.uppercased() ?? "unknown"
            let logged = minimal == "YES" || minimal == "IMPLICIT"
            checks.append(
                ReadinessCheck(
                    name: "supplemental_log_data_min", status: logged ? .passed : .failed,
                    observed: seen.supplementalLogDataMin ?? "unknown", required: "YES",
                    detail:
                        "V$DATABASE.SUPPLEMENTAL_LOG_DATA_MIN: minimal supplemental logging puts what CDC needs in the redo",
                    fix: logged
                        ? nil
                        : "ALTER DATABASE ADD SUPPLEMENTAL LOG DATA; (on Amazon RDS: EXEC rdsadmin.rdsadmin_util.alter_supplemental_logging('ADD');)"
                ))
        } else {
            let why = seen.errors["V$DATABASE"] ?? "not read"
            checks.append(
                ReadinessCheck(
                    name: "log_mode", status: .warning, observed: "unknown (V$DATABASE: \(why))",
                    required: "ARCHIVELOG", detail: "the user cannot read V$DATABASE",
                    fix: "GRANT SELECT_CATALOG_ROLE TO \(name);"))
        }
        guard let privileges = seen.privileges, let roles = seen.roles else {
            let why = seen.errors["SESSION_PRIVS"] ?? seen.errors["SESSION_ROLES"] ?? "not read"
            checks.append(
                ReadinessCheck(
                    name: "logminer_privileges", status: .warning, observed: "unknown (\(why))",
                    required: "LOGMINING, SELECT ANY TRANSACTION, EXECUTE ON DBMS_LOGMNR, SELECT_CATALOG_ROLE"))
            return checks
        }
        let isDBA = roles.contains("DBA")
        func privilege(_ check: String, _ held: Bool, observedHeld: String, required: String, fix: String) {
            checks.append(
                ReadinessCheck(
                    name: check, status: held ? .passed : .failed, observed: held ? observedHeld : "not granted",
                    required: required, fix: held ? nil : fix))
        }
        privilege(
            "logmining", privileges.contains("LOGMINING"), observedHeld: "granted",
            required: "LOGMINING (12c and later)",
            fix: "GRANT LOGMINING TO \(name);")
        privilege(
            "select_any_transaction", privileges.contains("SELECT ANY TRANSACTION"), observedHeld: "granted",
            required: "SELECT ANY TRANSACTION", fix: "GRANT SELECT ANY TRANSACTION TO \(name);")
        let execute =
            seen.executeOnLogMinerGranted == true || roles.contains("EXECUTE_CATALOG_ROLE")
            || privileges.contains("EXECUTE ANY PROCEDURE") || isDBA
        privilege(
            "execute_dbms_logmnr", execute,
            observedHeld: seen.executeOnLogMinerGranted == true ? "granted" : "through a role or EXECUTE ANY PROCEDURE",
            required: "EXECUTE ON DBMS_LOGMNR", fix: "GRANT EXECUTE ON DBMS_LOGMNR TO \(name);")
        let catalog = roles.contains("SELECT_CATALOG_ROLE") || privileges.contains("SELECT ANY DICTIONARY") || isDBA
        privilege(
            "select_catalog_role", catalog,
            observedHeld: roles.contains("SELECT_CATALOG_ROLE") ? "granted" : "SELECT ANY DICTIONARY or DBA",
            required: "SELECT_CATALOG_ROLE", fix: "GRANT SELECT_CATALOG_ROLE TO \(name);")
        return checks
    }
}
