import Foundation
import PreflightCore

/// What the read-only readiness queries returned (nil: not seen; `queryErrors` says why).
struct MSSQLObservations: Sendable, Equatable {
    var productVersion: String?
    var edition: String?
    var engineEdition: Int?
    var database: String?
    var databaseUser: String?
    var cdcEnabled: Bool?
    /// sys.databases.snapshot_isolation_state: 1 is ON.
    var snapshotIsolationState: Int?
    /// SQL Server Agent's status_desc from sys.dm_server_services ("Running", "Stopped").
    var agentStatus: String?
    /// The CDC capture job in msdb, when services cannot be seen: (name, enabled); `.some(nil)` when absent.
    var captureJob: (name: String, enabled: Bool)??
    /// HAS_PERMS_BY_NAME('cdc', 'SCHEMA', 'SELECT'): nil when the schema does not exist.
    var cdcSchemaReadable: Bool??
    var queryErrors: [String: String] = [:]

    static func == (lhs: MSSQLObservations, rhs: MSSQLObservations) -> Bool {
        lhs.productVersion == rhs.productVersion && lhs.edition == rhs.edition
            && lhs.engineEdition == rhs.engineEdition && lhs.cdcEnabled == rhs.cdcEnabled
            && lhs.agentStatus == rhs.agentStatus && lhs.snapshotIsolationState == rhs.snapshotIsolationState
    }

    var majorVersion: Int? { productVersion.flatMap { Int($0.split(separator: ".").first ?? "") } }
}

/// The CDC checks, observed vs required, each with the exact T-SQL fix. Pure.
enum MSSQLReadiness {
    static let azureSQLDatabase = 5
    static let managedInstance = 8

    static func checks(_ seen: MSSQLObservations, username: String) -> [ReadinessCheck] {
        var checks: [ReadinessCheck] = []
        let database = seen.database ?? "the database"
        let db = MSSQLConfig.bracketed(seen.database ?? "database")
        let user = MSSQLConfig.bracketed(seen.databaseUser ?? username)

        // Edition and version.
        if let engine = seen.engineEdition {
            let text = "\(seen.edition ?? "edition \(engine)") \(seen.productVersion ?? "")"
                .trimmingCharacters(in: .whitespaces)
            let required =
                "Enterprise, Developer, Standard (2016 SP1 or later), Azure SQL Managed Instance or Azure SQL Database (S3 or above)"
            var status = StepStatus.passed
            var fix: String?
            switch engine {
            case 3, managedInstance, azureSQLDatabase: break
            case 2:
                if let major = seen.majorVersion, major < 13 {
                    status = .failed
                    fix = "upgrade to SQL Server 2016 SP1 or later (Standard has CDC from then on), or use Enterprise"
                }
            default:
                status = .failed
                fix =
                    "CDC is not available in this edition (Express, Web, Synapse, Edge): use Standard, Enterprise or Azure SQL"
            }
            checks.append(
                ReadinessCheck(
                    name: "edition", status: status, observed: text, required: required,
                    detail: engine == azureSQLDatabase
                        ? "Azure SQL Database: CDC needs the S3 tier or above (vCore: any)" : nil, fix: fix))
        } else if let error = seen.queryErrors["server"] {
            checks.append(
                ReadinessCheck(
                    name: "edition", status: .warning, observed: "unknown (\(error))",
                    required: "a CDC-capable edition"))
        }

        // CDC on the database.
        if let enabled = seen.cdcEnabled {
            checks.append(
                ReadinessCheck(
                    name: "is_cdc_enabled", status: enabled ? .passed : .failed, observed: enabled ? "1" : "0",
                    required: "1", detail: "sys.databases.is_cdc_enabled for \(database)",
                    fix: enabled
                        ? nil
                        : "USE \(db); EXEC sys.sp_cdc_enable_db; (needs sysadmin; on Amazon RDS: EXEC msdb.dbo.rds_cdc_enable_db \(MSSQLConfig.literal(seen.database ?? "database"));) then enable each table: EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'table', @role_name = NULL;"
                ))
        }

        // SQL Server Agent (it runs the capture job), or the capture job itself.
        if seen.engineEdition == azureSQLDatabase {
            checks.append(
                ReadinessCheck(
                    name: "sql_server_agent", status: .passed, observed: "not used",
                    required: "Running (or Azure SQL Database's own CDC scheduler)",
                    detail: "Azure SQL Database runs the CDC capture with its own scheduler"))
        } else if let status = seen.agentStatus {
            let running = status.lowercased() == "running"
            checks.append(
                ReadinessCheck(
                    name: "sql_server_agent", status: running ? .passed : .failed, observed: status,
                    required: "Running",
                    detail: "sys.dm_server_services: the Agent runs the CDC capture and cleanup jobs",
                    fix: running
                        ? nil
                        : "start SQL Server Agent and set it to start automatically: EXEC xp_servicecontrol N'START', N'SQLServerAGENT'; (or SQL Server Configuration Manager > SQL Server Agent > Start; on Linux: mssql-conf set sqlagent.enabled true, then restart)",
                    restartRequired: running ? nil : false))
        } else if let job = seen.captureJob {
            if let job {
                checks.append(
                    ReadinessCheck(
                        name: "cdc_capture_job", status: job.enabled ? .passed : .failed,
                        observed: "\(job.name) \(job.enabled ? "enabled" : "disabled")",
                        required: "present and enabled",
                        detail:
                            "this login cannot see sys.dm_server_services (VIEW SERVER STATE), so the capture job in msdb was checked instead of the Agent",
                        fix: job.enabled
                            ? nil
                            : "EXEC msdb.dbo.sp_update_job @job_name = \(MSSQLConfig.literal(job.name)), @enabled = 1;")
                )
            } else {
                checks.append(
                    ReadinessCheck(
                        name: "cdc_capture_job", status: .failed, observed: "absent", required: "present and enabled",
                        detail: "no capture job for \(database) in msdb.dbo.cdc_jobs",
                        fix:
                            "USE \(db); EXEC sys.sp_cdc_add_job @job_type = N'capture'; (and make sure SQL Server Agent runs)"
                    ))
            }
        } else {
            checks.append(
                ReadinessCheck(
                    name: "sql_server_agent", status: .warning,
                    observed: "unknown (\(seen.queryErrors["agent"] ?? "not visible to this login"))",
                    required: "Running",
                    fix: "GRANT VIEW SERVER STATE TO \(MSSQLConfig.bracketed(username)); lets this check see the Agent")
            )
        }

        // The cdc schema readable by the login.
        if let readable = seen.cdcSchemaReadable {
            switch readable {
            case .some(true):
                checks.append(
                    ReadinessCheck(
                        name: "cdc_schema_select", status: .passed, observed: "granted",
                        required: "SELECT on schema cdc"))
            case .some(false):
                checks.append(
                    ReadinessCheck(
                        name: "cdc_schema_select", status: .failed, observed: "not granted",
                        required: "SELECT on schema cdc", fix: "USE \(db); GRANT SELECT ON SCHEMA::cdc TO \(user);"))
            case .none:
                checks.append(
                    ReadinessCheck(
                        name: "cdc_schema_select", status: .failed, observed: "no cdc schema",
                        required: "SELECT on schema cdc",
                        detail: "the cdc schema appears when CDC is enabled on the database",
                        fix:
                            "enable CDC (EXEC sys.sp_cdc_enable_db;), then USE \(db); GRANT SELECT ON SCHEMA::cdc TO \(user);"
                    ))
            }
        }

        // Snapshot isolation for a consistent initial snapshot without blocking writers.
        if let state = seen.snapshotIsolationState {
            let on = state == 1
            checks.append(
                ReadinessCheck(
                    name: "snapshot_isolation", status: on ? .passed : .warning,
                    observed: on ? "ON" : "OFF (state \(state))", required: "ON",
                    detail:
                        "ALLOW_SNAPSHOT_ISOLATION lets the initial snapshot read consistently without blocking writers",
                    fix: on ? nil : "ALTER DATABASE \(db) SET ALLOW_SNAPSHOT_ISOLATION ON;"))
        }
        return checks
    }

    /// Destination checks: CREATE TABLE in the database and ALTER on the schema, from fn_my_permissions.
    static func destinationChecks(
        databasePermissions: [String]?, schemaPermissions: [String]?, schema: String, username: String,
        errors: [String: String]
    ) -> [ReadinessCheck] {
        let user = MSSQLConfig.bracketed(username)
        func check(_ name: String, _ have: [String]?, _ wanted: String, error: String?, fix: String) -> ReadinessCheck {
            guard let have else {
                return ReadinessCheck(
                    name: name, status: .warning, observed: "unknown (\(error ?? "not visible"))", required: wanted)
            }
            let granted = have.contains { $0.uppercased() == wanted || $0.uppercased() == "CONTROL" }
            return ReadinessCheck(
                name: name, status: granted ? .passed : .failed, observed: granted ? "granted" : "not granted",
                required: wanted, fix: granted ? nil : fix)
        }
        return [
            check(
                "create_table", databasePermissions, "CREATE TABLE", error: errors["database"],
                fix: "GRANT CREATE TABLE TO \(user);"),
            check(
                "alter_schema", schemaPermissions, "ALTER", error: errors["schema"],
                fix: "GRANT ALTER ON SCHEMA::\(MSSQLConfig.bracketed(schema)) TO \(user);"),
        ]
    }
}
