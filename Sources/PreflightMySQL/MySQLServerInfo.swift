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
        if text.hasPrefix("5.5.5-") && text.lowercased().includes("mariadb") { text = String(text.dropFirst(6)) }
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
        } else if lower.includes("mariadb") {
            flavor = .mariadb
        } else if lower.includes("tidb") {
            flavor = .tidb
        } else if lower.includes("vitess") {
            flavor = .vitess
        } else if comment.includes("percona") {
            flavor = .percona
        } else {
            flavor = .mysql
        }
        isRDS =
            auroraVersion != nil || (variables["basedir"] ?? "").hasPrefix("/rdsdbbin") || comment.includes("amazon")
            || comment.includes("rds")
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
