import Logging
import PostgresNIO
import PreflightCore
import PreflightNetwork

/// Destination readiness (`connectionRole: "destination"`, always for Redshift): read-only privilege
/// queries in one round trip (two on Redshift), then, only with `writeTest: true`, one empty table
/// created and dropped.
extension PostgresProbe {
    func destinationReadiness(
        _ connection: PostgresConnection, _ destination: PostgresDestination, context: ProbeContext
    )
        async throws(ProbeFailure)
    {
        let server = self.server
        let config = self.config
        let target =
            "schema \(PostgresIdentifier.quoteIfNeeded(destination.schema)) of database \(PostgresIdentifier.quoteIfNeeded(config.database))"
        let checks = try await context.step(.readiness, "running read-only privilege queries on \(server)") {
            outcome -> [ReadinessCheck] in
            let seen = await Self.observeDestination(
                connection, schema: destination.schema, type: config.type, logger: context.logger)
            let checks = PostgresDestinationReadiness.checks(
                seen, user: config.user, database: config.database, schema: destination.schema, type: config.type)
            for check in checks { context.trace.check(check) }
            (outcome.status, outcome.detail, outcome.hint) = ReadinessVerdict.destinationStep(
                for: checks, writingTo: target)
            return checks
        }
        if let failure = ReadinessVerdict.destinationFailure(for: checks, server: server, target: target) {
            if destination.writeTest {
                context.trace.note(
                    .writeTest, status: .skipped, detail: "not attempted: the privilege checks already fail")
            }
            throw failure
        }
        if destination.writeTest {
            try await writeTest(connection, schema: destination.schema, context: context)
        }
    }

    /// The privilege and read-only state, read with `has_*_privilege` (nothing is written).
    static func observeDestination(
        _ connection: PostgresConnection, schema: String, type: ConnectorType, logger: Logger
    )
        async -> PostgresDestinationObservations
    {
        var seen = PostgresDestinationObservations()
        // Redshift has no pg_is_in_recovery(); its read-only state is asked on its own below.
        let recovery = type == .redshift ? "NULL::text" : "pg_is_in_recovery()::text"
        let readOnly = type == .redshift ? "NULL::text" : "current_setting('transaction_read_only')"
        let query: PostgresQuery = """
            SELECT \(unescaped: recovery), \(unescaped: readOnly), current_user::text,
                   EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = \(schema))::text,
                   CASE WHEN EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = \(schema))
                        THEN has_schema_privilege(\(schema), 'CREATE')::text END,
                   CASE WHEN EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = \(schema))
                        THEN has_schema_privilege(\(schema), 'USAGE')::text END,
                   has_database_privilege(current_database(), 'CREATE')::text,
                   has_database_privilege(current_database(), 'TEMP')::text
            """
        do {
            let rows = try await connection.query(query, logger: logger)
            for try await row in rows {
                let values = try row.decode(
                    (String?, String?, String?, String?, String?, String?, String?, String?).self)
                seen.inRecovery = values.0.map { $0 == "true" }
                seen.transactionReadOnly = values.1.map { $0 == "on" }
                seen.currentUser = values.2
                seen.schemaExists = values.3.map { $0 == "true" }
                seen.schemaCreate = values.4.map { $0 == "true" }
                seen.schemaUsage = values.5.map { $0 == "true" }
                seen.databaseCreate = values.6.map { $0 == "true" }
                seen.databaseTemp = values.7.map { $0 == "true" }
            }
        } catch {
            seen.queryError = message(of: error)
        }
        if type == .redshift {
            do {
                seen.transactionReadOnly =
                    try await PostgresQueries.scalar(
                        connection, "SELECT current_setting('transaction_read_only')", logger: logger
                    ).map { $0 == "on" }
            } catch {
                seen.readOnlyError = message(of: error)
            }
        }
        return seen
    }

    static func message(of error: any Error) -> String {
        if let error = error as? PSQLError { return error.serverInfo?[.message] ?? "\(error.code)" }
        return "\(type(of: error))"
    }

    // MARK: Write test

    /// `preflight_write_test_` and 12 random hex digits: unique, and plainly ours.
    static func writeTestTableName() -> String {
        "preflight_write_test_" + String(UInt64.random(in: 0..<(1 << 48)), radix: 16).leftPadded(to: 12)
    }

    /// Creates one empty table in the schema and drops it. A refused CREATE fails the ping (`permission`
    /// for a privilege error); a failed DROP is a warning naming the table left behind.
    func writeTest(_ connection: PostgresConnection, schema: String, context: ProbeContext) async throws(ProbeFailure) {
        let table = PostgresIdentifier.quoteIfNeeded(schema) + "." + Self.writeTestTableName()
        let server = self.server
        try await context.step(.writeTest, "creating and dropping table \(table) on \(server)") { outcome in
            do {
                _ = try await connection.query(
                    PostgresQuery(unsafeSQL: "CREATE TABLE \(table) (id integer)"), logger: context.logger)
            } catch {
                throw ProbeFailure(
                    error is PSQLError ? .permission : .internalError,
                    "the write test could not create table \(table) on \(server): \(Self.message(of: error))",
                    hint: "the privilege checks passed, so a policy, a trigger or a quota refuses the write")
            }
            do {
                _ = try await connection.query(PostgresQuery(unsafeSQL: "DROP TABLE \(table)"), logger: context.logger)
                outcome.detail = "created table \(table) and dropped it: nothing is left"
            } catch {
                outcome.status = .warning
                outcome.detail =
                    "created table \(table) but could not drop it (\(Self.message(of: error))): it is left behind"
                outcome.hint = "DROP TABLE \(table);"
            }
        }
    }
}

extension String {
    /// The string with leading zeros up to `width` characters.
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
