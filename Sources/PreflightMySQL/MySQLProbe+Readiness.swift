import NIOCore
import PreflightCore
import PreflightNetwork

/// The `readiness` step: the read-only queries and the checks built from what they return.
extension MySQLProbe {
    static let variableNames = [
        "version", "version_comment", "log_bin", "binlog_format", "binlog_row_image", "binlog_expire_logs_seconds",
        "expire_logs_days", "gtid_mode", "enforce_gtid_consistency", "gtid_strict_mode", "gtid_current_pos",
        "aurora_version", "basedir", "server_id", "read_only",
    ]

    func observe(_ wire: MySQLWire, context: ProbeContext) async throws(ProbeFailure) -> MySQLObservations {
        var seen = MySQLObservations()
        let list = Self.variableNames.map { "'\($0)'" }.joined(separator: ", ")
        // The three independent queries go in one write: one round trip instead of three.
        let answers = try await queries(
            wire,
            [
                "SHOW GLOBAL VARIABLES WHERE Variable_name IN (\(list))", "SHOW GRANTS", "SELECT CURRENT_USER()",
            ],
            context: context)
        switch answers[0] {
        case .success(let rows):
            var variables: [String: String] = [:]
            for row in rows where row.count >= 2 {
                if let name = row[0] { variables[name.lowercased()] = row[1] ?? "" }
            }
            seen.variables = variables
        case .failure(let error): try Self.record(error, as: "variables", in: &seen)
        }
        switch answers[1] {
        case .success(let rows): seen.grants = rows.compactMap { $0.first ?? nil }
        case .failure(let error): try Self.record(error, as: "grants", in: &seen)
        }
        switch answers[2] {
        case .success(let rows): seen.currentUser = rows.first?.first ?? nil
        case .failure(let error): try Self.record(error, as: "current_user", in: &seen)
        }
        let info = MySQLServerInfo(versionString: seen.variables?["version"] ?? "", variables: seen.variables ?? [:])
        if info.isRDS {
            do {
                let rows = try await query(
                    wire, "SELECT value FROM mysql.rds_configuration WHERE name = 'binlog retention hours'",
                    context: context)
                seen.rdsBinlogRetentionHours = .some(rows.first?.first ?? nil)
            } catch {
                try Self.record(error, as: "rds_configuration", in: &seen)
            }
        }
        return seen
    }

    private static func record(_ error: QueryError, as name: String, in seen: inout MySQLObservations)
        throws(ProbeFailure)
    {
        switch error {
        case .server(let serverError): seen.queryErrors[name] = "ERROR \(serverError.code): \(serverError.message)"
        case .wire(let failure): throw failure
        }
    }

    func readiness(_ wire: MySQLWire, greeting: MySQLGreeting, context: ProbeContext) async throws(ProbeFailure) {
        if isDestination {
            try await destinationReadiness(wire, writeTest: writeTest, context: context)
            return
        }
        if writeTest {
            context.trace.note(
                .writeTest, status: .skipped,
                detail: "writeTest applies to destinations: set connectionRole to \"destination\"")
        }
        let server = self.server
        let config = self.config
        let checks = try await context.step(.readiness, "running read-only readiness queries on \(server)") {
            outcome -> [ReadinessCheck] in
            let seen = try await observe(wire, context: context)
            let info = MySQLServerInfo(
                versionString: seen.variables?["version"] ?? greeting.serverVersion, variables: seen.variables ?? [:])
            let checks = MySQLReadiness.checks(seen, server: info, user: config.user, database: config.database)
            for check in checks { context.trace.check(check) }
            (outcome.status, outcome.detail, outcome.hint) = ReadinessVerdict.step(
                for: checks, isSource: context.isSource, readyFor: "binlog CDC")
            outcome.detail = "\(info.description): " + (outcome.detail ?? "")
            return checks
        }
        if context.isSource, let failure = ReadinessVerdict.sourceFailure(for: checks, server: server) {
            throw failure
        }
    }
}
