import NIOCore
import PreflightCore
import PreflightNetwork

/// The `readiness` step: read-only queries, then the checks built from what they return.
extension MSSQLProbe {
    static let serverQuery = """
        SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)), CAST(SERVERPROPERTY('Edition') AS nvarchar(128)), \
        CAST(SERVERPROPERTY('EngineEdition') AS int), CAST(DB_NAME() AS nvarchar(128)), CAST(USER_NAME() AS nvarchar(128)), \
        CAST(d.is_cdc_enabled AS int), CAST(d.snapshot_isolation_state AS int) \
        FROM sys.databases AS d WHERE d.database_id = DB_ID()
        """
    static let agentQuery = """
        SELECT CAST(servicename AS nvarchar(256)), CAST(status_desc AS nvarchar(60)) FROM sys.dm_server_services \
        WHERE servicename LIKE N'SQL Server Agent%'
        """
    static let captureJobQuery = """
        SELECT CAST(j.name AS nvarchar(128)), CAST(j.enabled AS int) FROM msdb.dbo.cdc_jobs AS c \
        JOIN msdb.dbo.sysjobs AS j ON j.job_id = c.job_id WHERE c.database_id = DB_ID() AND c.job_type = N'capture'
        """
    static let cdcSchemaQuery = "SELECT CAST(HAS_PERMS_BY_NAME(N'cdc', N'SCHEMA', N'SELECT') AS int)"

    static func permissionsQuery(schema: String) -> String {
        """
        SELECT CAST(N'DATABASE' AS nvarchar(16)), CAST(permission_name AS nvarchar(128)) FROM fn_my_permissions(NULL, N'DATABASE') \
        UNION ALL SELECT CAST(N'SCHEMA' AS nvarchar(16)), CAST(permission_name AS nvarchar(128)) \
        FROM fn_my_permissions(\(MSSQLConfig.literal(schema)), N'SCHEMA')
        """
    }

    private static func describe(_ error: TDSServerMessage) -> String {
        "error \(error.number): \(error.text)"
    }

    /// A server error is kept as what the check observed; a broken connection ends the ping.
    private static func record(_ error: QueryError, as name: String, in errors: inout [String: String])
        throws(ProbeFailure)
    {
        switch error {
        case .server(let message): errors[name] = describe(message)
        case .wire(let failure): throw failure
        }
    }

    func observe(_ wire: TDSWire, server: String, context: ProbeContext) async throws(ProbeFailure)
        -> MSSQLObservations
    {
        var seen = MSSQLObservations()
        do throws(QueryError) {
            if let row = try await query(wire, Self.serverQuery, server: server, context: context).first, row.count >= 7
            {
                seen.productVersion = row[0]
                seen.edition = row[1]
                seen.engineEdition = row[2].flatMap { Int($0) }
                seen.database = row[3]
                seen.databaseUser = row[4]
                seen.cdcEnabled = row[5].map { $0 == "1" }
                seen.snapshotIsolationState = row[6].flatMap { Int($0) }
            }
        } catch {
            try Self.record(error, as: "server", in: &seen.queryErrors)
        }
        if seen.engineEdition != MSSQLReadiness.azureSQLDatabase {
            do throws(QueryError) {
                let rows = try await query(wire, Self.agentQuery, server: server, context: context)
                if let row = rows.first, row.count >= 2 {
                    seen.agentStatus = row[1] ?? "unknown"
                } else {
                    seen.queryErrors["agent"] = "sys.dm_server_services lists no SQL Server Agent"
                }
            } catch {
                try Self.record(error, as: "agent", in: &seen.queryErrors)
            }
            if seen.agentStatus == nil {
                do throws(QueryError) {
                    let rows = try await query(wire, Self.captureJobQuery, server: server, context: context)
                    if let row = rows.first, row.count >= 2, let name = row[0] {
                        seen.captureJob = .some((name: name, enabled: row[1] == "1"))
                    } else {
                        seen.captureJob = .some(nil)
                    }
                } catch {
                    try Self.record(error, as: "capture_job", in: &seen.queryErrors)
                }
            }
        }
        do throws(QueryError) {
            if let row = try await query(wire, Self.cdcSchemaQuery, server: server, context: context).first,
                let value = row.first
            {
                seen.cdcSchemaReadable = .some(value.map { $0 == "1" })
            }
        } catch {
            try Self.record(error, as: "cdc_schema", in: &seen.queryErrors)
        }
        return seen
    }

    func readiness(_ wire: TDSWire, server: String, context: ProbeContext) async throws(ProbeFailure) {
        if isDestination {
            try await destinationReadiness(wire, server: server, context: context)
            return
        }
        let username = config.username
        let checks = try await context.step(.readiness, "running read-only CDC readiness queries on \(server)") {
            outcome -> [ReadinessCheck] in
            let seen = try await observe(wire, server: server, context: context)
            let checks = MSSQLReadiness.checks(seen, username: username)
            for check in checks { context.trace.check(check) }
            (outcome.status, outcome.detail, outcome.hint) = ReadinessVerdict.step(
                for: checks, isSource: context.isSource, readyFor: "SQL Server CDC")
            if let version = seen.productVersion {
                outcome.detail =
                    "SQL Server \(version) (\(seen.edition ?? "edition unknown")): " + (outcome.detail ?? "")
            }
            return checks
        }
        if context.isSource, let failure = ReadinessVerdict.sourceFailure(for: checks, server: server) {
            throw failure
        }
    }

    func destinationReadiness(_ wire: TDSWire, server: String, context: ProbeContext) async throws(ProbeFailure) {
        let config = self.config
        let target = "schema \(MSSQLConfig.bracketed(config.schema))"
        let checks = try await context.step(.readiness, "running read-only permission queries on \(server)") {
            outcome -> [ReadinessCheck] in
            var database: [String]?
            var schema: [String]?
            var errors: [String: String] = [:]
            do throws(QueryError) {
                let rows = try await query(
                    wire, Self.permissionsQuery(schema: config.schema), server: server, context: context)
                database = rows.filter { $0.first == "DATABASE" }.compactMap { $0.count > 1 ? $0[1] : nil }
                schema = rows.filter { $0.first == "SCHEMA" }.compactMap { $0.count > 1 ? $0[1] : nil }
            } catch {
                try Self.record(error, as: "database", in: &errors)
                errors["schema"] = errors["database"]
            }
            let checks = MSSQLReadiness.destinationChecks(
                databasePermissions: database, schemaPermissions: schema, schema: config.schema,
                username: config.username, errors: errors)
            for check in checks { context.trace.check(check) }
            (outcome.status, outcome.detail, outcome.hint) = ReadinessVerdict.destinationStep(
                for: checks, writingTo: target)
            return checks
        }
        if let failure = ReadinessVerdict.destinationFailure(for: checks, server: server, target: target) {
            throw failure
        }
    }
}
