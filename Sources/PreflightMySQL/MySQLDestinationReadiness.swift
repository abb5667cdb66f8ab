import Foundation
import PreflightCore

/// What the destination queries observed: SHOW GRANTS, CURRENT_USER() and `@@global.read_only`.
public struct MySQLDestinationObservations: Sendable, Equatable {
    /// SHOW GRANTS lines, as the server wrote them.
    public var grants: [String]?
    /// CURRENT_USER(): "user@host" of the account the server matched.
    public var currentUser: String?
    /// `@@global.read_only` as the server wrote it ("0", "1", "ON", "OFF").
    public var readOnly: String?
    /// Why a query failed, by check name.
    public var queryErrors: [String: String] = [:]

    public init(grants: [String]? = nil, currentUser: String? = nil, readOnly: String? = nil) {
        self.grants = grants
        self.currentUser = currentUser
        self.readOnly = readOnly
    }
}

/// Turns destination observations into checks: `write_privileges` (CREATE, ALTER, INSERT, UPDATE,
/// DELETE, DROP on the database, from global, database and wildcard-pattern grants) and `writable`
/// (the server not read-only), each with the exact GRANT that fixes it. Pure.
public enum MySQLDestinationReadiness {
    /// What the pipeline does in the destination database.
    public static let requiredPrivileges = ["CREATE", "ALTER", "INSERT", "UPDATE", "DELETE", "DROP"]

    public static func checks(_ seen: MySQLDestinationObservations, user: String, database: String?)
        -> [ReadinessCheck]
    {
        let grantee = MySQLReadiness.granteeText(seen.currentUser, fallbackUser: user)
        let target = database.map { "\(MySQLConfig.backquoted($0)).*" } ?? "*.*"
        let required = requiredPrivileges.joined(separator: ", ") + " on \(target)"
        var checks: [ReadinessCheck] = []
        guard let lines = seen.grants else {
            return [
                MySQLReadiness.unknown("write_privileges", required: required, error: seen.queryErrors["grants"]),
                writable(seen, grants: []),
            ]
        }
        let grants = lines.compactMap(MySQLGrant.parse)
        let roles = grants.flatMap(\.roles)
        let applicable = grants.filter { grant in
            guard let object = grant.object else { return false }
            if object == "*.*" { return true }
            guard let database, grant.isDatabaseLevel, let pattern = grant.database else { return false }
            return MySQLGrant.database(database, matches: pattern)
        }
        let missing = requiredPrivileges.filter { privilege in !applicable.contains { $0.has(privilege) } }
        let held = applicable.map { grant in
            "\(grant.privileges.joined(separator: ", ")) on \(grant.object ?? "")"
        }
        let observed =
            held.isEmpty
            ? "no privileges on \(target)"
            : held.joined(separator: "; ") + (missing.isEmpty ? "" : " (missing \(missing.joined(separator: ", ")))")
        let status: StepStatus = missing.isEmpty ? .passed : (roles.isEmpty ? .failed : .warning)
        var detail: String?
        if !missing.isEmpty {
            detail =
                roles.isEmpty
                ? "the pipeline creates, alters and drops its tables and writes rows in \(target)"
                : "missing \(missing.joined(separator: ", ")) unless granted through role \(roles.joined(separator: ", ")) (SHOW GRANTS does not expand roles)"
            if database == nil { detail! += "; name the database in defaultDatabase to check its grants too" }
        }
        checks.append(
            ReadinessCheck(
                name: "write_privileges", status: status, observed: observed, required: required, detail: detail,
                fix: missing.isEmpty ? nil : "GRANT \(missing.joined(separator: ", ")) ON \(target) TO \(grantee);"))
        checks.append(writable(seen, grants: grants))
        return checks
    }

    /// `read_only` ON refuses writes, except from accounts with SUPER or READ_ONLY ADMIN.
    static func writable(_ seen: MySQLDestinationObservations, grants: [MySQLGrant]) -> ReadinessCheck {
        let required = "read_only OFF (a writable primary)"
        guard let value = seen.readOnly else {
            return MySQLReadiness.unknown("writable", required: required, error: seen.queryErrors["read_only"])
        }
        let on = ["1", "ON"].contains(value.uppercased())
        guard on else {
            return ReadinessCheck(name: "writable", status: .passed, observed: "read_only OFF", required: required)
        }
        let bypass = grants.contains { grant in
            grant.object == "*.*" && (grant.has("SUPER") || grant.has("READ_ONLY ADMIN"))
        }
        return ReadinessCheck(
            name: "writable", status: bypass ? .warning : .failed, observed: "read_only ON", required: required,
            detail: bypass
                ? "this account's SUPER or READ_ONLY ADMIN lets it write anyway, but the server is probably a replica"
                : "a read-only server (usually a replica) refuses every write",
            fix: "connect to the primary (writer) endpoint, or SET GLOBAL read_only = OFF;")
    }
}
