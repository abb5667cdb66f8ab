import Foundation
import PreflightCore

/// Turns observations into readiness checks, all of them, privileges first, each with observed vs
/// required and the statement that fixes it. Pure.
public enum MySQLReadiness {
    /// Seven days, the retention a CDC reader needs to survive a long pause.
    public static let requiredRetentionSeconds = 7 * 86_400

    public static func checks(_ seen: MySQLObservations, server: MySQLServerInfo, user: String, database: String?)
        -> [ReadinessCheck]
    {
        var checks: [ReadinessCheck] = []
        let grantee = granteeText(seen.currentUser, fallbackUser: user)
        let variables = seen.variables ?? [:]
        let grants = (seen.grants ?? []).compactMap(MySQLGrant.parse)
        let roles = grants.flatMap(\.roles)

        // Privileges first.
        if seen.grants != nil {
            let global = grants.filter { $0.object == "*.*" }
            let mariadbNames = server.usesMariaDBReplicationPrivileges
            let slaveNames = ["REPLICATION SLAVE", "REPLICATION REPLICA"]
            let clientNames =
                mariadbNames
                ? ["BINLOG MONITOR", "REPLICATION CLIENT"] : ["REPLICATION CLIENT", "SUPER", "BINLOG MONITOR"]
            let hasSlave = global.contains { grant in slaveNames.contains { grant.has($0) } }
            let hasClient = global.contains { grant in clientNames.contains { grant.has($0) } }
            var held: [String] = []
            for grant in global {
                for privilege in grant.privileges
                where slaveNames.contains(privilege) || clientNames.contains(privilege) || privilege.hasPrefix("ALL") {
                    if !held.contains(privilege) { held.append(privilege) }
                }
            }
            let slaveName = "REPLICATION SLAVE"
            let clientName = mariadbNames ? "BINLOG MONITOR" : "REPLICATION CLIENT"
            var missing: [String] = []
            if !hasSlave { missing.append(slaveName) }
            if !hasClient { missing.append(clientName) }
            let required =
                mariadbNames
                ? "REPLICATION SLAVE (REPLICATION REPLICA) and BINLOG MONITOR on *.*"
                : "REPLICATION SLAVE and REPLICATION CLIENT on *.*"
            let status: StepStatus = missing.isEmpty ? .passed : (roles.isEmpty ? .failed : .warning)
            checks.append(
                ReadinessCheck(
                    name: "replication_privileges", status: status,
                    observed: held.isEmpty ? "none" : held.joined(separator: ", "),
                    required: required,
                    detail: missing.isEmpty
                        ? nil
                        : (roles.isEmpty
                            ? "missing \(missing.joined(separator: " and ")): the binlog cannot be read"
                            : "missing \(missing.joined(separator: " and ")) unless granted through role \(roles.joined(separator: ", ")) (SHOW GRANTS does not expand roles)"),
                    fix: missing.isEmpty ? nil : "GRANT \(missing.joined(separator: ", ")) ON *.* TO \(grantee);",
                    restartRequired: missing.isEmpty ? nil : false))

            checks.append(selectCheck(grants: grants, roles: roles, database: database, grantee: grantee))
        } else {
            checks.append(
                unknown(
                    "replication_privileges", required: "REPLICATION SLAVE and REPLICATION CLIENT on *.*",
                    error: seen.queryErrors["grants"]))
            checks.append(
                unknown(
                    "select_privilege", required: "SELECT on the replicated tables", error: seen.queryErrors["grants"]))
        }

        let variablesError = seen.queryErrors["variables"]
        // log_bin
        if let logBin = variables["log_bin"] {
            let on = ["ON", "1"].contains(logBin.uppercased())
            checks.append(
                ReadinessCheck(
                    name: "log_bin", status: on ? .passed : .failed, observed: on ? "ON" : logBin, required: "ON",
                    detail: on ? nil : "without a binary log there is nothing to replicate",
                    fix: on ? nil : logBinFix(server), restartRequired: on ? nil : true))
        } else {
            checks.append(unknown("log_bin", required: "ON", error: variablesError))
        }

        // binlog_format
        if let format = variables["binlog_format"] {
            let ok = format.uppercased() == "ROW"
            checks.append(
                ReadinessCheck(
                    name: "binlog_format", status: ok ? .passed : .failed, observed: format.uppercased(),
                    required: "ROW",
                    detail: ok
                        ? nil
                        : "CDC decodes row events; STATEMENT and MIXED logs carry SQL text instead of the changed rows",
                    fix: ok ? nil : setFix("binlog_format", "ROW", server),
                    restartRequired: ok ? nil : false))
        } else {
            checks.append(unknown("binlog_format", required: "ROW", error: variablesError))
        }

        // binlog_row_image
        if let image = variables["binlog_row_image"] {
            let ok = image.uppercased() == "FULL"
            checks.append(
                ReadinessCheck(
                    name: "binlog_row_image", status: ok ? .passed : .failed, observed: image.uppercased(),
                    required: "FULL",
                    detail: ok
                        ? nil : "with \(image.uppercased()) images, updates and deletes lack the unchanged columns",
                    fix: ok ? nil : setFix("binlog_row_image", "FULL", server),
                    restartRequired: ok ? nil : false))
        } else {
            checks.append(unknown("binlog_row_image", required: "FULL", error: variablesError))
        }

        checks.append(retentionCheck(seen, server: server))
        checks.append(gtidCheck(variables, server: server, error: variablesError))

        // Server version and flavour.
        let supported: Bool
        let requiredVersion: String
        switch server.flavor {
        case .mariadb:
            supported = server.atLeast(10, 2)
            requiredVersion = "MariaDB 10.2 or later"
        case .mysql, .percona, .aurora:
            supported = server.atLeast(5, 7)
            requiredVersion = "MySQL 5.7 or later"
        default:
            supported = true
            requiredVersion = "a MySQL-compatible server"
        }
        checks.append(
            ReadinessCheck(
                name: "server_version", status: supported ? .passed : .warning, observed: server.versionString,
                required: requiredVersion, detail: supported ? nil : "older servers lack settings CDC relies on",
                fix: supported ? nil : "upgrade the server"))
        checks.append(
            ReadinessCheck(
                name: "flavor", status: .passed, observed: server.description,
                required: "informational: MySQL, MariaDB or Aurora MySQL"))
        return checks
    }

    static func selectCheck(grants: [MySQLGrant], roles: [String], database: String?, grantee: String) -> ReadinessCheck
    {
        let selecting = grants.filter { $0.object != nil && $0.has("SELECT") }
        let global = selecting.contains { $0.object == "*.*" }
        let required =
            database.map { "SELECT on \(MySQLConfig.backquoted($0)).* (or *.*)" } ?? "SELECT on the replicated tables"
        let fixTarget = database.map { "\(MySQLConfig.backquoted($0)).*" } ?? "*.*"
        if global {
            return ReadinessCheck(
                name: "select_privilege", status: .passed, observed: "SELECT on *.*", required: required)
        }
        let shown = selecting.compactMap(\.object)
        if let database {
            let whole = selecting.contains { grant in
                grant.isDatabaseLevel && grant.database.map { MySQLGrant.database(database, matches: $0) } == true
            }
            if whole {
                return ReadinessCheck(
                    name: "select_privilege", status: .passed,
                    observed: "SELECT on \(MySQLConfig.backquoted(database)).*", required: required)
            }
            let someTables = selecting.contains { $0.database == database }
            if someTables {
                return ReadinessCheck(
                    name: "select_privilege", status: .warning,
                    observed: "SELECT on some tables only: \(shown.prefix(5).joined(separator: ", "))",
                    required: required,
                    detail: "tables without SELECT cannot be snapshotted",
                    fix: "GRANT SELECT ON \(fixTarget) TO \(grantee);")
            }
        } else if !shown.isEmpty {
            return ReadinessCheck(
                name: "select_privilege", status: .passed,
                observed: "SELECT on \(shown.prefix(5).joined(separator: ", "))", required: required)
        }
        return ReadinessCheck(
            name: "select_privilege", status: roles.isEmpty ? .failed : .warning,
            observed: shown.isEmpty ? "none" : "SELECT only on \(shown.prefix(5).joined(separator: ", "))",
            required: required,
            detail: roles.isEmpty
                ? "the initial snapshot reads every table with SELECT"
                : "unless granted through role \(roles.joined(separator: ", "))",
            fix: "GRANT SELECT ON \(fixTarget) TO \(grantee);", restartRequired: false)
    }

    static func retentionCheck(_ seen: MySQLObservations, server: MySQLServerInfo) -> ReadinessCheck {
        let required = "binary logs kept at least 7 days (168 hours)"
        let hoursFix = "CALL mysql.rds_set_configuration('binlog retention hours', 168);"
        if server.isRDS {
            switch seen.rdsBinlogRetentionHours {
            case .some(.none):
                return ReadinessCheck(
                    name: "binlog_retention", status: .failed,
                    observed: "binlog retention hours is NULL (RDS purges binary logs as soon as it can)",
                    required: required,
                    detail: "on RDS and Aurora, mysql.rds_configuration decides how long binary logs are kept",
                    fix: hoursFix, restartRequired: false)
            case .some(.some(let text)):
                let hours = Int(text.trimmed(newlines: false)) ?? 0
                let ok = hours >= 168
                return ReadinessCheck(
                    name: "binlog_retention", status: ok ? .passed : .failed,
                    observed: "binlog retention hours = \(text)", required: required,
                    fix: ok ? nil : hoursFix, restartRequired: ok ? nil : false)
            case .none:
                break
            }
        }
        guard let variables = seen.variables else {
            return unknown("binlog_retention", required: required, error: seen.queryErrors["variables"])
        }
        var seconds: Double?
        var source = ""
        if let text = variables["binlog_expire_logs_seconds"], let value = Double(text), value > 0 {
            seconds = value
            source = "binlog_expire_logs_seconds = \(text)"
        } else if let text = variables["expire_logs_days"], let value = Double(text), value > 0 {
            seconds = value * 86_400
            source = "expire_logs_days = \(text)"
        } else if variables["binlog_expire_logs_seconds"] != nil || variables["expire_logs_days"] != nil {
            let note =
                server.isRDS
                ? " (RDS settings could not be read: \(seen.queryErrors["rds_configuration"] ?? "not queried"))" : ""
            return ReadinessCheck(
                name: "binlog_retention", status: server.isRDS ? .warning : .passed,
                observed: "never purged automatically (expire settings are 0)\(note)", required: required,
                detail: "binary logs are kept until someone purges them; watch the disk")
        } else {
            return unknown("binlog_retention", required: required, error: seen.queryErrors["variables"])
        }
        let days = seconds! / 86_400
        let ok = seconds! >= Double(requiredRetentionSeconds)
        let shownDays = days == days.rounded() ? String(Int(days)) : String(format: "%.1f", days)
        let fix: String
        switch server.flavor {
        case .mariadb where server.atLeast(10, 6):
            fix =
                "SET GLOBAL binlog_expire_logs_seconds = 604800;  -- and binlog_expire_logs_seconds = 604800 under [mariadbd] in my.cnf"
        case .mariadb:
            fix = "SET GLOBAL expire_logs_days = 7;  -- and expire_logs_days = 7 under [mysqld] in my.cnf"
        default:
            fix =
                server.atLeast(8, 0)
                ? "SET PERSIST binlog_expire_logs_seconds = 604800;"
                : "SET GLOBAL expire_logs_days = 7;  -- and expire_logs_days = 7 under [mysqld] in my.cnf"
        }
        return ReadinessCheck(
            name: "binlog_retention", status: ok ? .passed : .failed,
            observed: "\(shownDays) day\(shownDays == "1" ? "" : "s") (\(source))", required: required,
            detail: ok ? nil : "a reader paused for longer than this loses its place and must snapshot again",
            fix: ok ? nil : (server.isRDS ? hoursFix : fix), restartRequired: ok ? nil : false)
    }

    static func gtidCheck(_ variables: [String: String], server: MySQLServerInfo, error: String?) -> ReadinessCheck {
        if server.flavor == .mariadb {
            let strict =
                variables["gtid_strict_mode"].map { ["ON", "1"].contains($0.uppercased()) ? "ON" : "OFF" } ?? "unknown"
            let position = variables["gtid_current_pos"].flatMap { $0.isEmpty ? nil : $0 }
            return ReadinessCheck(
                name: "gtid_mode", status: .passed,
                observed:
                    "MariaDB GTIDs (always on), gtid_strict_mode \(strict)\(position.map { ", position \($0)" } ?? "")",
                required: "informational")
        }
        if let mode = variables["gtid_mode"] {
            let consistency =
                variables["enforce_gtid_consistency"].map { ", enforce_gtid_consistency \($0.uppercased())" } ?? ""
            return ReadinessCheck(
                name: "gtid_mode", status: .passed, observed: "\(mode.uppercased())\(consistency)",
                required: "informational",
                detail: mode.uppercased() == "ON"
                    ? nil
                    : "without GTIDs the stream position is a binlog file and offset, which does not survive a failover to a replica"
            )
        }
        return ReadinessCheck(
            name: "gtid_mode", status: .passed, observed: error == nil ? "not reported by this server" : "unknown",
            required: "informational", detail: error.map { "could not be read: \($0)" })
    }

    static func logBinFix(_ server: MySQLServerInfo) -> String {
        if server.flavor == .aurora {
            return
                "set binlog_format = ROW in the DB cluster parameter group (Aurora then writes binary logs) and reboot the writer"
        }
        if server.isRDS {
            return
                "turn on automated backups (backup retention period of 1 day or more); RDS writes binary logs only then"
        }
        return
            "log_bin is read-only: add log-bin = mysql-bin and server-id = 1 under [mysqld] in my.cnf and restart the server"
    }

    static func setFix(_ variable: String, _ value: String, _ server: MySQLServerInfo) -> String {
        if server.isRDS {
            return "set \(variable) = \(value) in the DB \(server.flavor == .aurora ? "cluster " : "")parameter group"
        }
        if server.flavor != .mariadb && server.atLeast(8, 0) {
            return "SET PERSIST \(variable) = '\(value)';  -- sessions already open keep the old value"
        }
        return
            "SET GLOBAL \(variable) = '\(value)';  -- and \(variable) = \(value) under [mysqld] in my.cnf so it survives a restart"
    }

    /// 'user'@'host' from CURRENT_USER()'s "user@host".
    static func granteeText(_ currentUser: String?, fallbackUser: String) -> String {
        guard let currentUser, let at = currentUser.lastIndex(of: "@") else {
            return "\(MySQLConfig.quoted(fallbackUser))@'%'"
        }
        return
            "\(MySQLConfig.quoted(String(currentUser[..<at])))@\(MySQLConfig.quoted(String(currentUser[currentUser.index(after: at)...])))"
    }

    static func unknown(_ name: String, required: String, error: String?) -> ReadinessCheck {
        ReadinessCheck(
            name: name, status: .warning, observed: "unknown", required: required,
            detail: error.map { "could not be read: \($0)" } ?? "could not be read")
    }
}
