import Foundation
import PreflightCore

/// Which server this is, from its version strings and variables. Pure.
public struct MySQLServerInfo: Sendable, Equatable {
    public enum Flavor: String, Sendable, Equatable {
        case mysql = "MySQL"
        case mariadb = "MariaDB"
        case aurora = "Aurora MySQL"
        case percona = "Percona Server"
        case tidb = "TiDB"
        case vitess = "Vitess"
    }

    public var flavor: Flavor
    /// "10.11.19", "8.0.36": the numeric part of the version.
    public var version: String
    public var major: Int
    public var minor: Int
    public var patch: Int
    /// The full version string ("10.11.19-MariaDB-0+deb12u1-log").
    public var versionString: String
    /// Amazon RDS or Aurora (which manage binlog retention in mysql.rds_configuration).
    public var isRDS: Bool
    public var auroraVersion: String?

    public init(versionString raw: String, variables: [String: String] = [:]) {
        var text = raw
        if text.hasPrefix("5.5.5-") && text.localizedLowercase.contains("mariadb") { text = String(text.dropFirst(6)) }
        versionString = text
        let numeric = text.prefix { $0.isNumber || $0 == "." }
        version = String(numeric)
        let parts = numeric.split(separator: ".").map { Int($0) ?? 0 }
        major = parts.count > 0 ? parts[0] : 0
        minor = parts.count > 1 ? parts[1] : 0
        patch = parts.count > 2 ? parts[2] : 0
        let lower = text.lowercased()
        let comment = (variables["version_comment"] ?? "").lowercased()
        auroraVersion = variables["aurora_version"]
        if auroraVersion != nil {
            flavor = .aurora
        } else if lower.contains("mariadb") {
            flavor = .mariadb
        } else if lower.contains("tidb") {
            flavor = .tidb
        } else if lower.contains("vitess") {
            flavor = .vitess
        } else if comment.contains("percona") {
            flavor = .percona
        } else {
            flavor = .mysql
        }
        isRDS =
            auroraVersion != nil || (variables["basedir"] ?? "").hasPrefix("/rdsdbbin") || comment.contains("amazon")
            || comment.contains("rds")
    }

    public func atLeast(_ major: Int, _ minor: Int, _ patch: Int = 0) -> Bool {
        (self.major, self.minor, self.patch) >= (major, minor, patch)
    }

    /// MariaDB 10.5.2 split REPLICATION CLIENT into BINLOG MONITOR and renamed REPLICATION SLAVE to REPLICATION REPLICA.
    public var usesMariaDBReplicationPrivileges: Bool { flavor == .mariadb && atLeast(10, 5, 2) }

    /// "MariaDB 10.11.19", "Aurora MySQL 3.05.2 (MySQL 8.0.32)", "MySQL 8.0.36 on Amazon RDS".
    public var description: String {
        switch flavor {
        case .aurora: return "Aurora MySQL \(auroraVersion ?? "?") (MySQL \(version))"
        default: return "\(flavor.rawValue) \(version)\(isRDS ? " on Amazon RDS" : "")"
        }
    }
}

/// One line of SHOW GRANTS, parsed. Pure.
public struct MySQLGrant: Sendable, Equatable {
    /// Upper-cased privilege names ("SELECT", "REPLICATION SLAVE", "ALL PRIVILEGES"); column lists dropped.
    public var privileges: [String]
    /// The object as written: "*.*", "`appdb`.*", "`appdb`.`items`"; nil for a role grant.
    public var object: String?
    /// Roles granted ("GRANT `r1`, `r2` TO ..."), unquoted.
    public var roles: [String]

    /// Parses "GRANT <privileges> ON <object> TO ..." or "GRANT <roles> TO ..."; nil for anything else (PROXY, ...).
    public static func parse(_ line: String) -> MySQLGrant? {
        let text = line.trimmingCharacters(in: .whitespaces)
        guard text.uppercased().hasPrefix("GRANT ") else { return nil }
        let body = text.dropFirst(6)
        if let on = range(of: " ON ", in: body), let to = range(of: " TO ", in: body[on.upperBound...]) {
            let privileges = splitTopLevel(String(body[..<on.lowerBound])).map { privilege -> String in
                var name = privilege
                if let paren = name.firstIndex(of: "(") { name = String(name[..<paren]) }
                return name.trimmingCharacters(in: .whitespaces).uppercased()
            }
            guard !privileges.contains("PROXY") else { return nil }
            let object = body[on.upperBound..<to.lowerBound].trimmingCharacters(in: .whitespaces)
            let cleaned = object.uppercased().hasPrefix("TABLE ") ? String(object.dropFirst(6)) : object
            return MySQLGrant(privileges: privileges, object: cleaned, roles: [])
        }
        if let to = range(of: " TO ", in: body) {
            let roles = splitTopLevel(String(body[..<to.lowerBound])).map(unquote)
            return MySQLGrant(privileges: [], object: nil, roles: roles)
        }
        return nil
    }

    /// The database part of the object ("appdb" of "`appdb`.*"), unquoted; "*" for *.*.
    public var database: String? {
        guard let object else { return nil }
        guard let dot = Self.topLevelDot(object) else { return nil }
        return Self.unquote(String(object[..<dot]))
    }

    /// Whether the object is a whole database (db.* or *.*), not a table.
    public var isDatabaseLevel: Bool { object?.hasSuffix(".*") == true }

    public func has(_ privilege: String) -> Bool {
        privileges.contains(privilege) || privileges.contains("ALL PRIVILEGES") || privileges.contains("ALL")
    }

    static func range(of needle: String, in text: Substring) -> Range<Substring.Index>? {
        // Outside quotes only.
        var quote: Character?
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "`" || character == "'" || character == "\"" {
                quote = character
            } else if text[index...].uppercased().hasPrefix(needle) {
                return index..<text.index(index, offsetBy: needle.count)
            }
            index = text.index(after: index)
        }
        return nil
    }

    static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "`" || character == "'" || character == "\"" {
                quote = character
            } else if character == "(" {
                depth += 1
            } else if character == ")" {
                depth -= 1
            } else if character == ",", depth == 0 {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
                continue
            }
            current.append(character)
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty {
            parts.append(current.trimmingCharacters(in: .whitespaces))
        }
        return parts
    }

    static func topLevelDot(_ text: String) -> String.Index? {
        var quote: Character?
        for index in text.indices {
            let character = text[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "`" || character == "'" || character == "\"" {
                quote = character
            } else if character == "." {
                return index
            }
        }
        return nil
    }

    static func unquote(_ text: String) -> String {
        var value = text.trimmingCharacters(in: .whitespaces)
        if let at = topLevelAt(value) { value = String(value[..<at]) }
        for quote in ["`", "'", "\""] where value.hasPrefix(quote) && value.hasSuffix(quote) && value.count >= 2 {
            value = String(value.dropFirst().dropLast())
            value = value.replacingOccurrences(of: quote + quote, with: quote)
        }
        return value
    }

    private static func topLevelAt(_ text: String) -> String.Index? {
        var quote: Character?
        for index in text.indices {
            let character = text[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "`" || character == "'" || character == "\"" {
                quote = character
            } else if character == "@" {
                return index
            }
        }
        return nil
    }

    /// A grant line without the password hash MySQL 5.7 and MariaDB append ("IDENTIFIED BY PASSWORD '*...'").
    public static func withoutCredentials(_ line: String) -> String {
        guard let identified = range(of: " IDENTIFIED ", in: Substring(line)) else { return line }
        return String(line[..<identified.lowerBound])
    }

    /// Whether `name` matches a database pattern from a grant (`%` and `_` wildcards, `\_` a literal underscore).
    static func database(_ name: String, matches pattern: String) -> Bool {
        guard pattern.contains("%") || pattern.contains("_") else { return name == pattern }
        var tokens: [(literal: Character?, any: Bool)] = []
        var iterator = Array(pattern)
        var index = 0
        while index < iterator.count {
            let character = iterator[index]
            if character == "\\", index + 1 < iterator.count {
                tokens.append((iterator[index + 1], false))
                index += 2
                continue
            }
            if character == "%" {
                tokens.append((nil, true))
            } else if character == "_" {
                tokens.append((nil, false))
            } else {
                tokens.append((character, false))
            }
            index += 1
        }
        iterator = []
        let text = Array(name)
        func match(_ t: Int, _ s: Int) -> Bool {
            if t == tokens.count { return s == text.count }
            let token = tokens[t]
            if token.any {
                for next in s...text.count where match(t + 1, next) { return true }
                return false
            }
            guard s < text.count else { return false }
            if let literal = token.literal, literal != text[s] { return false }
            return match(t + 1, s + 1)
        }
        return match(0, 0)
    }
}

/// What the readiness queries observed. Optional fields stay nil when a query could not run.
public struct MySQLObservations: Sendable, Equatable {
    /// SHOW GLOBAL VARIABLES, names lower-cased.
    public var variables: [String: String]?
    /// SHOW GRANTS lines, as the server wrote them.
    public var grants: [String]?
    /// CURRENT_USER(): "user@host" of the account the server matched.
    public var currentUser: String?
    /// mysql.rds_configuration 'binlog retention hours': .some(nil) when the value is NULL; nil when not read.
    public var rdsBinlogRetentionHours: String??
    /// Why a query failed, by check name.
    public var queryErrors: [String: String] = [:]

    public init(
        variables: [String: String]? = nil, grants: [String]? = nil, currentUser: String? = nil,
        rdsBinlogRetentionHours: String?? = nil, queryErrors: [String: String] = [:]
    ) {
        self.variables = variables
        self.grants = grants
        self.currentUser = currentUser
        self.rdsBinlogRetentionHours = rdsBinlogRetentionHours
        self.queryErrors = queryErrors
    }
}

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
                let hours = Int(text.trimmingCharacters(in: .whitespaces)) ?? 0
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
