import PreflightCore

/// What the destination query observed (`has_schema_privilege`, `has_database_privilege`, recovery and
/// read-only state). Optional fields stay nil when they could not be read.
public struct PostgresDestinationObservations: Sendable, Equatable {
    /// `pg_is_in_recovery()`: a hot standby or read replica.
    public var inRecovery: Bool?
    /// `transaction_read_only` of this session (on for a standby, or `default_transaction_read_only`).
    public var transactionReadOnly: Bool?
    /// The role the server matched (`current_user`).
    public var currentUser: String?
    /// Whether the target schema exists.
    public var schemaExists: Bool?
    /// CREATE and USAGE on the target schema (nil when it does not exist).
    public var schemaCreate: Bool?
    public var schemaUsage: Bool?
    /// CREATE (to create schemas) and TEMP on the database.
    public var databaseCreate: Bool?
    public var databaseTemp: Bool?
    /// Why a query failed: the check names it could not answer, and the server's message.
    public var queryError: String?
    /// Why the read-only state could not be read (Redshift asks it separately).
    public var readOnlyError: String?

    public init() {}
}

/// Turns destination observations into checks (`schema_privilege`, `database_privilege`,
/// `temp_privilege`, `writable`), all of them, each with the exact GRANT that fixes it. Pure.
public enum PostgresDestinationReadiness {
    public static func checks(
        _ seen: PostgresDestinationObservations, user: String, database: String, schema: String,
        type: ConnectorType = .postgresql
    ) -> [ReadinessCheck] {
        let role = PostgresIdentifier.quoteIfNeeded(seen.currentUser ?? user)
        let quotedSchema = PostgresIdentifier.quoteIfNeeded(schema)
        let quotedDatabase = PostgresIdentifier.quoteIfNeeded(database)
        var checks: [ReadinessCheck] = []

        // The target schema.
        let schemaRequired = "CREATE and USAGE on schema \(quotedSchema)"
        switch (seen.schemaExists, seen.schemaCreate, seen.schemaUsage) {
        case (false?, _, _):
            let canCreate = seen.databaseCreate == true
            checks.append(
                ReadinessCheck(
                    name: "schema_privilege", status: canCreate ? .passed : .failed,
                    observed: canCreate
                        ? "schema \(quotedSchema) does not exist; CREATE on database \(quotedDatabase) lets the pipeline create it"
                        : "schema \(quotedSchema) does not exist in database \(quotedDatabase)",
                    required: "\(schemaRequired) (or CREATE on the database to create it)",
                    detail: canCreate ? nil : "the pipeline cannot create its tables in a schema that does not exist",
                    fix: canCreate
                        ? nil
                        : "CREATE SCHEMA \(quotedSchema) AUTHORIZATION \(role);  -- as the database owner or a superuser"
                ))
        case (true?, let create?, let usage?):
            let missing = (usage ? [] : ["USAGE"]) + (create ? [] : ["CREATE"])
            checks.append(
                ReadinessCheck(
                    name: "schema_privilege", status: missing.isEmpty ? .passed : .failed,
                    observed: missing.isEmpty
                        ? "CREATE and USAGE on schema \(quotedSchema)"
                        : "no \(missing.joined(separator: " or ")) on schema \(quotedSchema)",
                    required: schemaRequired,
                    detail: missing.isEmpty
                        ? nil
                        : "the pipeline creates and alters its tables in schema \(quotedSchema)"
                            + (schema == "public" && type == .postgresql
                                ? " (PostgreSQL 15 and later no longer grant CREATE on public to everyone)" : ""),
                    fix: missing.isEmpty
                        ? nil : "GRANT \(missing.joined(separator: ", ")) ON SCHEMA \(quotedSchema) TO \(role);"))
        default:
            checks.append(unknown("schema_privilege", required: schemaRequired, seen.queryError))
        }

        // CREATE on the database: only needed to create schemas, so a warning.
        if let create = seen.databaseCreate {
            checks.append(
                ReadinessCheck(
                    name: "database_privilege", status: create ? .passed : .warning,
                    observed: create
                        ? "CREATE on database \(quotedDatabase)" : "no CREATE on database \(quotedDatabase)",
                    required: "CREATE on database \(quotedDatabase) (to create schemas)",
                    detail: create ? nil : "the pipeline cannot create new schemas; existing ones are enough",
                    fix: create ? nil : "GRANT CREATE ON DATABASE \(quotedDatabase) TO \(role);"))
        } else {
            checks.append(unknown("database_privilege", required: "CREATE on the database", seen.queryError))
        }

        // TEMP on the database (staging tables).
        if let temp = seen.databaseTemp {
            checks.append(
                ReadinessCheck(
                    name: "temp_privilege", status: temp ? .passed : .failed,
                    observed: temp ? "TEMP on database \(quotedDatabase)" : "no TEMP on database \(quotedDatabase)",
                    required: "TEMP on database \(quotedDatabase)",
                    detail: temp ? nil : "the pipeline stages merges in temporary tables",
                    fix: temp ? nil : "GRANT TEMP ON DATABASE \(quotedDatabase) TO \(role);"))
        } else {
            checks.append(unknown("temp_privilege", required: "TEMP on the database", seen.queryError))
        }

        // Not a standby, not read-only.
        let writableRequired = "a writable primary (not a read replica, transaction_read_only off)"
        if seen.inRecovery == true {
            checks.append(
                ReadinessCheck(
                    name: "writable", status: .failed, observed: "read replica (in recovery)",
                    required: writableRequired, detail: "a hot standby refuses every write",
                    fix: "connect to the primary (writer) endpoint instead of the replica"))
        } else if seen.transactionReadOnly == true {
            checks.append(
                ReadinessCheck(
                    name: "writable", status: .failed, observed: "transaction_read_only is on",
                    required: writableRequired,
                    detail: type == .redshift
                        ? "the cluster or this database answers read-only (a read-only datashare consumer or a replica)"
                        : "default_transaction_read_only is on for this role, database or server",
                    fix: type == .redshift
                        ? "connect to a writable cluster and database"
                        : "ALTER ROLE \(role) SET default_transaction_read_only = off;  -- or ALTER DATABASE \(quotedDatabase) SET default_transaction_read_only = off;"
                ))
        } else if seen.inRecovery == false || seen.transactionReadOnly == false {
            checks.append(
                ReadinessCheck(
                    name: "writable", status: .passed,
                    observed: seen.inRecovery == false ? "primary, read-write" : "read-write",
                    required: writableRequired))
        } else {
            checks.append(unknown("writable", required: writableRequired, seen.readOnlyError ?? seen.queryError))
        }
        return checks
    }

    private static func unknown(_ name: String, required: String, _ error: String?) -> ReadinessCheck {
        ReadinessCheck(
            name: name, status: .warning, observed: "unknown", required: required,
            detail: error.map { "could not be read: \($0)" } ?? "could not be read")
    }
}
