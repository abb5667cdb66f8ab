import Foundation
import PreflightCore
import PreflightEngine
import PreflightMySQL
import Testing

/// Shared helpers: an engine with only the MySQL probe, payload building, and report lookups.
enum MySQLTesting {
    static func engine(timeout: Duration = .seconds(10)) -> PingEngine {
        PingEngine(configuration: EngineConfiguration(defaultTimeout: timeout), factories: [MySQLProbeFactory()])
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

    /// Pings and checks that no password leaked into the report.
    static func ping(_ engine: PingEngine, _ payload: ConnectorPayload) async throws -> PingReport {
        let report = try await engine.ping(payload)
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        if let password = try payload.sharedConfig.secret("password") {
            #expect(!json.contains(password), "the password leaked into the report: \(json)")
        }
        return report
    }
}
