import Foundation
import PreflightCore
import PreflightNetwork

/// Destination readiness (`connectionRole: "destination"`): SHOW GRANTS and the read-only state in two
/// read-only queries, then, only with `writeTest: true`, one empty table created and dropped.
extension MySQLProbe {
    func destinationReadiness(_ wire: MySQLWire, writeTest: Bool, context: ProbeContext) async throws(ProbeFailure) {
        let server = self.server
        let config = self.config
        let target = config.database.map { "database \(MySQLConfig.backquoted($0))" } ?? "the server"
        let checks = try await context.step(.readiness, "running read-only privilege queries on \(server)") {
            outcome -> [ReadinessCheck] in
            var seen = MySQLDestinationObservations()
            do throws(QueryError) {
                seen.grants = try await query(wire, "SHOW GRANTS", context: context).compactMap { $0.first ?? nil }
            } catch {
                try Self.recordDestination(error, as: "grants", in: &seen)
            }
            do throws(QueryError) {
                let row = try await query(wire, "SELECT CURRENT_USER(), @@global.read_only", context: context).first
                seen.currentUser = row?.first ?? nil
                seen.readOnly = row.flatMap { $0.count > 1 ? $0[1] : nil }
            } catch {
                try Self.recordDestination(error, as: "read_only", in: &seen)
            }
            let checks = MySQLDestinationReadiness.checks(seen, user: config.user, database: config.database)
            for check in checks { context.trace.check(check) }
            (outcome.status, outcome.detail, outcome.hint) = ReadinessVerdict.destinationStep(
                for: checks, writingTo: target)
            return checks
        }
        if let failure = ReadinessVerdict.destinationFailure(for: checks, server: server, target: target) {
            if writeTest {
                context.trace.note(
                    .writeTest, status: .skipped, detail: "not attempted: the privilege checks already fail")
            }
            throw failure
        }
        if writeTest { try await self.writeTest(wire, context: context) }
    }

    private static func recordDestination(
        _ error: QueryError, as name: String, in seen: inout MySQLDestinationObservations
    ) throws(ProbeFailure) {
        switch error {
        case .server(let serverError): seen.queryErrors[name] = "ERROR \(serverError.code): \(serverError.message)"
        case .wire(let failure): throw failure
        }
    }

    /// `preflight_write_test_` and 12 random hex digits.
    static func writeTestTableName() -> String {
        let digits = String(UInt64.random(in: 0..<(1 << 48)), radix: 16)
        return "preflight_write_test_" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }

    /// Creates one empty table in the database and drops it. A refused CREATE fails the ping
    /// (`permission`); a failed DROP is a warning naming the table left behind.
    func writeTest(_ wire: MySQLWire, context: ProbeContext) async throws(ProbeFailure) {
        let server = self.server
        guard let database = config.database else {
            context.trace.note(
                .writeTest, status: .skipped, detail: "not attempted: no defaultDatabase to create the table in")
            return
        }
        let table = MySQLConfig.backquoted(database) + "." + MySQLConfig.backquoted(Self.writeTestTableName())
        try await context.step(.writeTest, "creating and dropping table \(table) on \(server)") { outcome in
            do throws(QueryError) {
                _ = try await query(wire, "CREATE TABLE \(table) (id INT)", context: context)
            } catch {
                switch error {
                case .server(let serverError):
                    throw ProbeFailure(
                        .permission,
                        "the write test could not create table \(table) on \(server): ERROR \(serverError.code): \(serverError.message)"
                    )
                case .wire(let failure): throw failure
                }
            }
            do throws(QueryError) {
                _ = try await query(wire, "DROP TABLE \(table)", context: context)
                outcome.detail = "created table \(table) and dropped it: nothing is left"
            } catch {
                let reason: String
                switch error {
                case .server(let serverError): reason = "ERROR \(serverError.code): \(serverError.message)"
                case .wire(let failure): reason = failure.message
                }
                outcome.status = .warning
                outcome.detail = "created table \(table) but could not drop it (\(reason)): it is left behind"
                outcome.hint = "DROP TABLE \(table);"
            }
        }
    }
}
