import Foundation
import PreflightCore
import PreflightEngine
import PreflightMySQL
import PreflightProbeTesting
import Testing

/// Shared helpers: an engine with only the MySQL probe, payload building, and report lookups.
enum MySQLTesting {
    static func engine(timeout: Duration = .seconds(10)) -> PingEngine {
        ProbeTesting.engine([MySQLProbeFactory()], timeout: timeout)
    }

    static func payload(
        type: ConnectorType = .mysql, host: String = "127.0.0.1", port: Int, user: String, password: String?,
        database: String? = nil, extra: [String: String] = [:], role: String? = nil, timeoutSeconds: Double? = nil
    ) -> ConnectorPayload {
        var config = ["host": host, "port": String(port), "user": user]
        if let password { config["password"] = password }
        for (key, value) in extra { config[key] = value }
        return ConnectorPayload(
            type: type, sharedConfig: SharedConfig(strings: config), defaultDatabase: database,
            connectionRole: role, timeoutSeconds: timeoutSeconds)
    }

    /// Pings and checks that no secret of the payload leaked into the report, in any encoding.
    static func ping(
        _ engine: PingEngine, _ payload: ConnectorPayload, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> PingReport {
        try await ProbeTesting.ping(engine, payload, sourceLocation: sourceLocation)
    }
}
