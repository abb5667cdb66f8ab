import PreflightCore
import PreflightHTTP
import PreflightNetwork

/// Destination readiness (Snowflake is only ever a destination): two read-only statements in the same
/// session or with the same token, `SHOW GRANTS TO ROLE <current role>` and `SHOW WAREHOUSES LIKE
/// '<warehouse>'`, read into checks with their GRANT / ALTER fixes. Nothing is created.
extension SnowflakeProbe {
    /// Runs one statement (the readiness statement's index, from 0): its result set, or why it failed
    /// (redacted text). Transport failures throw.
    typealias StatementRunner = (String, Int) async throws(ProbeFailure) -> Result<SnowflakeResultSet, Refusal>

    /// A statement Snowflake refused, in words fit for a message.
    struct Refusal: Error, Sendable {
        var text: String
    }

    func destinationReadiness(role: String?, run: StatementRunner, context: ProbeContext) async throws(ProbeFailure) {
        let config = self.config
        let currentRole = role ?? config.role ?? "PUBLIC"
        let quotedRole = SnowflakeDestinationReadiness.quote(currentRole)
        let target =
            config.database.map { "database \($0)" + (config.schema.map { ", schema \($0)" } ?? "") }
            ?? "warehouse \(config.warehouse)"
        let checks = try await context.step(
            .readiness, "reading role \(quotedRole)'s grants and warehouse \(config.warehouse)'s state",
            timeoutHint: "Snowflake did not answer SHOW GRANTS / SHOW WAREHOUSES in time"
        ) { outcome in
            var seen = SnowflakeDestinationObservations(
                role: currentRole, warehouse: config.warehouse, database: config.database, schema: config.schema)
            if config.database != nil {
                switch try await run("SHOW GRANTS TO ROLE \(quotedRole)", 0) {
                case .success(let result): seen.grants = SnowflakeGrant.rows(result)
                case .failure(let refusal): seen.grantsError = refusal.text
                }
            }
            let bare = SnowflakeWarehouseVerdict.normalized(config.warehouse)
            switch try await run("SHOW WAREHOUSES LIKE '\(bare.replacingOccurrences(of: "'", with: "''"))'", 1) {
            case .success(let result):
                // LIKE's `_` and `%` are wildcards: keep the row of this very warehouse.
                if let row = result.rows.first(where: { result.value("name", in: $0) == bare }) {
                    seen.warehouseState = result.value("state", in: row)
                    seen.autoResume = result.value("auto_resume", in: row)
                }
            case .failure(let refusal): seen.warehouseError = refusal.text
            }
            let checks = SnowflakeDestinationReadiness.checks(seen)
            for check in checks { context.trace.check(check) }
            (outcome.status, outcome.detail, outcome.hint) = ReadinessVerdict.destinationStep(
                for: checks, writingTo: target)
            return checks
        }
        if let failure = ReadinessVerdict.destinationFailure(
            for: checks, server: config.endpoint.hostHeader, target: target)
        {
            throw failure
        }
    }

    /// A result set from an answer of the SQL API (`sqlAPI`) or the session API, or Snowflake's refusal.
    static func resultSet(_ response: HTTPResponse, sqlAPI: Bool, redactor: Redactor) -> Result<
        SnowflakeResultSet, Refusal
    > {
        guard let json = response.json() else {
            return .failure(Refusal(text: "\(response.statusLine) with a body that is not JSON"))
        }
        if sqlAPI, response.status == 200, let result = SnowflakeResultSet.fromSQLAPI(json) {
            return .success(result)
        }
        if !sqlAPI, json["success"]?.boolValue == true, let result = SnowflakeResultSet.fromQueryResponse(json) {
            return .success(result)
        }
        if let error = SnowflakeError.from(json) {
            return .failure(Refusal(text: redactor.redact("\(error.code): \(error.message)")))
        }
        return .failure(Refusal(text: "\(response.statusLine) without a result set"))
    }
}
