import PreflightCore

/// One row of `SHOW GRANTS TO ROLE` (columns created_on, privilege, granted_on, name, granted_to,
/// grantee_name, grant_option, granted_by): a privilege on an object.
public struct SnowflakeGrant: Sendable, Equatable {
    public var privilege: String
    public var grantedOn: String
    public var name: String

    public init(privilege: String, grantedOn: String, name: String) {
        self.privilege = privilege
        self.grantedOn = grantedOn
        self.name = name
    }

    /// The grants in a SHOW GRANTS result set.
    public static func rows(_ result: SnowflakeResultSet) -> [SnowflakeGrant] {
        result.rows.compactMap { row in
            guard let privilege = result.value("privilege", in: row), let on = result.value("granted_on", in: row),
                let name = result.value("name", in: row)
            else { return nil }
            return SnowflakeGrant(privilege: privilege.uppercased(), grantedOn: on.uppercased(), name: name)
        }
    }
}

/// What destination readiness observed: the role's grants (nil when SHOW GRANTS failed, with why) and the
/// warehouse's state and auto_resume from SHOW WAREHOUSES (nil when not read).
public struct SnowflakeDestinationObservations: Sendable, Equatable {
    public var role: String
    public var warehouse: String
    public var database: String?
    public var schema: String?
    public var grants: [SnowflakeGrant]?
    public var grantsError: String?
    public var warehouseState: String?
    public var autoResume: String?
    public var warehouseError: String?

    public init(role: String, warehouse: String, database: String?, schema: String?) {
        self.role = role
        self.warehouse = warehouse
        self.database = database
        self.schema = schema
    }
}

/// Turns the observations into `database_usage`, `schema_create` (CREATE SCHEMA on the database) or
/// `table_create` (USAGE and CREATE TABLE on the named schema), and `warehouse_resume` (a suspended
/// warehouse must auto-resume), each with its GRANT or ALTER statement. Pure.
///
/// SHOW GRANTS TO ROLE lists the role's own grants only: a privilege missing there while the role
/// inherits other roles is a warning (it may come from them), not a failure.
public enum SnowflakeDestinationReadiness {
    /// A name as written in a statement: bare when Snowflake reads it back unchanged (upper-case letters,
    /// digits, `_`, `$`), else in double quotes.
    public static func quote(_ name: String) -> String {
        let bare = SnowflakeWarehouseVerdict.normalized(name)
        if let first = bare.unicodeScalars.first, first == "_" || ("A"..."Z").contains(first),
            bare.unicodeScalars.allSatisfy({
                ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "$"
            })
        {
            return bare
        }
        return "\"" + bare.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// SHOW GRANTS's `name` for an object: `DB`, `DB.SCHEMA` (quoted parts as Snowflake shows them).
    static func matches(_ grantName: String, _ parts: [String]) -> Bool {
        let shown = grantName.split(separator: ".", omittingEmptySubsequences: false).map {
            SnowflakeWarehouseVerdict.normalized(String($0))
        }
        return shown == parts.map(SnowflakeWarehouseVerdict.normalized)
    }

    static func holds(_ grants: [SnowflakeGrant], _ privilege: String, on kind: String, _ parts: [String]) -> Bool {
        grants.contains {
            $0.grantedOn == kind && ($0.privilege == privilege || $0.privilege == "OWNERSHIP")
                && matches($0.name, parts)
        }
    }

    public static func checks(_ seen: SnowflakeDestinationObservations) -> [ReadinessCheck] {
        var checks: [ReadinessCheck] = []
        let role = quote(seen.role)
        if let database = seen.database {
            let db = quote(database)
            var wanted: [(name: String, privileges: [String], kind: String, parts: [String], object: String)] = [
                ("database_usage", ["USAGE"], "DATABASE", [database], "DATABASE \(db)")
            ]
            if let schema = seen.schema {
                wanted.append(
                    (
                        "table_create", ["USAGE", "CREATE TABLE"], "SCHEMA", [database, schema],
                        "SCHEMA \(db).\(quote(schema))"
                    ))
            } else {
                wanted.append(("schema_create", ["CREATE SCHEMA"], "DATABASE", [database], "DATABASE \(db)"))
            }
            for item in wanted {
                let required = item.privileges.joined(separator: ", ") + " on \(item.object)"
                guard let grants = seen.grants else {
                    checks.append(
                        ReadinessCheck(
                            name: item.name, status: .warning, observed: "unknown", required: required,
                            detail: "SHOW GRANTS TO ROLE \(role) failed: \(seen.grantsError ?? "not read")"))
                    continue
                }
                let missing = item.privileges.filter { !holds(grants, $0, on: item.kind, item.parts) }
                let inherited = grants.filter { $0.grantedOn == "ROLE" && $0.privilege == "USAGE" }.map(\.name)
                if missing.isEmpty {
                    checks.append(
                        ReadinessCheck(
                            name: item.name, status: .passed,
                            observed: "role \(role) holds \(item.privileges.joined(separator: ", ")) on \(item.object)",
                            required: required))
                } else {
                    checks.append(
                        ReadinessCheck(
                            name: item.name, status: inherited.isEmpty ? .failed : .warning,
                            observed: "role \(role) lacks \(missing.joined(separator: ", ")) on \(item.object)",
                            required: required,
                            detail: inherited.isEmpty
                                ? (item.name == "database_usage"
                                    ? "without USAGE the database's objects cannot be reached"
                                    : "the pipeline creates its \(item.name == "schema_create" ? "schema" : "tables") there")
                                : "unless granted through role \(inherited.prefix(3).joined(separator: ", ")) (SHOW GRANTS TO ROLE does not expand inherited roles)",
                            fix: "GRANT \(missing.joined(separator: ", ")) ON \(item.object) TO ROLE \(role);"))
                }
            }
        } else {
            checks.append(
                ReadinessCheck(
                    name: "database_usage", status: .warning, observed: "not checked: no database named",
                    required: "USAGE and CREATE SCHEMA on the database the pipeline writes to",
                    detail: "without a database there is nothing to read the grants for",
                    fix: "set sharedConfig.database (and schema) to check them"))
        }

        let warehouse = quote(seen.warehouse)
        let resumeRequired = "STARTED, or AUTO_RESUME = TRUE"
        if let state = seen.warehouseState?.uppercased() {
            let autoResume = seen.autoResume?.lowercased() == "true"
            let stuck = state != "STARTED" && state != "RESUMING" && !autoResume
            checks.append(
                ReadinessCheck(
                    name: "warehouse_resume", status: stuck ? .failed : .passed,
                    observed: "\(state), auto_resume \(seen.autoResume?.lowercased() ?? "unknown")",
                    required: resumeRequired,
                    detail: stuck
                        ? "a suspended warehouse that does not auto-resume refuses every load until someone resumes it"
                        : nil,
                    fix: stuck ? "ALTER WAREHOUSE \(warehouse) SET AUTO_RESUME = TRUE;" : nil))
        } else {
            checks.append(
                ReadinessCheck(
                    name: "warehouse_resume", status: .warning, observed: "unknown", required: resumeRequired,
                    detail: "SHOW WAREHOUSES did not show warehouse \(warehouse)"
                        + (seen.warehouseError.map { ": \($0)" } ?? "")))
        }
        return checks
    }
}
