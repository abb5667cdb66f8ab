import Foundation
import PreflightCore

/// What the destination queries observed: the user's `readonly` and `allow_ddl` settings, its grants
/// (SHOW GRANTS, and the enabled roles' rows of system.grants) and the database written to.
public struct ClickHouseDestinationObservations: Sendable, Equatable {
    /// The database the pipeline writes to (`database`, else the user's default).
    public var database: String?
    /// `readonly` (0, 1 or 2) and `allow_ddl` (0 or 1), as the server wrote them.
    public var readonly: String?
    public var allowDDL: String?
    /// SHOW GRANTS lines; nil when not read.
    public var grants: [String]?
    /// True when the server predates SQL access control (before 20.5: users.xml only).
    public var noAccessControl = false
    /// The enabled roles' grants (system.grants), read only when SHOW GRANTS alone misses something.
    public var roleGrants: [ClickHouseGrant]?
    /// Why a query failed, by check name.
    public var queryErrors: [String: String] = [:]

    public init() {}
}

/// Turns destination observations into `write_privileges` (INSERT, CREATE TABLE, ALTER on the database)
/// and `writable` (not a `readonly` user, DDL allowed), each with the exact fix. Pure.
public enum ClickHouseDestinationReadiness {
    public static let requiredPrivileges = ["INSERT", "CREATE TABLE", "ALTER"]

    public static func checks(_ seen: ClickHouseDestinationObservations, user: String) -> [ReadinessCheck] {
        let database = seen.database ?? "default"
        let quotedUser = quote(user)
        let target = "\(quote(database)).*"
        let required = requiredPrivileges.joined(separator: ", ") + " on \(target)"
        var checks: [ReadinessCheck] = []

        if seen.noAccessControl {
            checks.append(
                ReadinessCheck(
                    name: "write_privileges", status: .passed,
                    observed:
                        "no SQL grants on this server (before ClickHouse 20.5): a user may write wherever allow_databases lets it, unless readonly",
                    required: required))
        } else if let lines = seen.grants {
            let parsed = lines.compactMap(ClickHouseGrant.parse)
            let roles = parsed.flatMap(\.roles)
            let all = parsed + (seen.roleGrants ?? [])
            let missing = missingPrivileges(all, database: database)
            let shown = parsed.filter { $0.database != nil && !$0.isRevoke }.map {
                "\($0.privileges.joined(separator: ", ")) on \($0.objectText)"
            }
            let throughRoles =
                seen.roleGrants != nil && !roles.isEmpty ? " (with roles \(roles.joined(separator: ", ")))" : ""
            let rolesUnread = !roles.isEmpty && seen.roleGrants == nil
            checks.append(
                ReadinessCheck(
                    name: "write_privileges",
                    status: missing.isEmpty ? .passed : (rolesUnread ? .warning : .failed),
                    observed: (shown.isEmpty ? "no grants" : shown.prefix(5).joined(separator: "; ")) + throughRoles
                        + (missing.isEmpty ? "" : " (missing \(missing.joined(separator: ", ")) on \(target))"),
                    required: required,
                    detail: missing.isEmpty
                        ? nil
                        : rolesUnread
                            ? "unless granted through role \(roles.joined(separator: ", ")) (its grants could not be read: \(seen.queryErrors["role_grants"] ?? "not read"))"
                            : "the pipeline creates and alters its tables and inserts rows in \(target)",
                    fix: missing.isEmpty
                        ? nil : "GRANT \(missing.joined(separator: ", ")) ON \(target) TO \(quotedUser);"))
        } else {
            checks.append(
                ReadinessCheck(
                    name: "write_privileges", status: .warning, observed: "unknown", required: required,
                    detail: "could not be read: \(seen.queryErrors["grants"] ?? "not read")"))
        }

        let writableRequired = "readonly = 0 and allow_ddl = 1"
        if let readonly = seen.readonly {
            let level = readonly.trimmingCharacters(in: .whitespaces)
            let ddl = seen.allowDDL?.trimmingCharacters(in: .whitespaces)
            var problems: [String] = []
            var fixes: [String] = []
            var xml: [String] = []
            if level != "0" {
                problems.append("readonly = \(level)")
                fixes.append("readonly = 0")
                xml.append("<readonly>0</readonly>")
            }
            if ddl == "0" {
                problems.append("allow_ddl = 0")
                fixes.append("allow_ddl = 1")
                xml.append("<allow_ddl>1</allow_ddl>")
            }
            checks.append(
                ReadinessCheck(
                    name: "writable", status: problems.isEmpty ? .passed : .failed,
                    observed: problems.isEmpty
                        ? "readonly = 0\(ddl.map { ", allow_ddl = \($0)" } ?? "")"
                        : problems.joined(separator: ", ") + " for user \(user)",
                    required: writableRequired,
                    detail: problems.isEmpty
                        ? nil
                        : level != "0"
                            ? "a readonly user can run SELECT only: every INSERT and CREATE TABLE is refused (Code: 164 READONLY)"
                            : "CREATE TABLE and ALTER are refused while allow_ddl is 0",
                    fix: problems.isEmpty
                        ? nil
                        : "ALTER USER \(quotedUser) SETTINGS \(fixes.joined(separator: ", "));  -- a users.xml user: \(xml.joined()) in its profile"
                ))
        } else {
            checks.append(
                ReadinessCheck(
                    name: "writable", status: .warning, observed: "unknown", required: writableRequired,
                    detail: "could not be read: \(seen.queryErrors["settings"] ?? "not read")"))
        }
        return checks
    }

    /// The required privileges the grants do not give on `database` (revokes taken into account).
    public static func missingPrivileges(_ grants: [ClickHouseGrant], database: String) -> [String] {
        requiredPrivileges.filter { privilege in
            let granted = grants.contains { !$0.isRevoke && $0.covers(privilege, onDatabase: database) }
            let revoked = grants.contains { $0.isRevoke && $0.covers(privilege, onDatabase: database) }
            return !granted || revoked
        }
    }

    /// A name as ClickHouse reads it back: bare when it is a plain identifier, else in backquotes.
    static func quote(_ name: String) -> String {
        guard let first = name.unicodeScalars.first, first == "_" || CharacterSet.letters.contains(first),
            name.unicodeScalars.allSatisfy({ $0 == "_" || ($0.isASCII && CharacterSet.alphanumerics.contains($0)) })
        else {
            return "`" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "`", with: "\\`")
                + "`"
        }
        return name
    }
}
