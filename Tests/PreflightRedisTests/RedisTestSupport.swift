import Foundation
import PreflightCore
import PreflightEngine
import PreflightRedis
import Testing

/// Shared helpers: an engine with only the Redis probe, payload building, and report lookups.
enum RedisTesting {
    static func engine(timeout: Duration = .seconds(10)) -> PingEngine {
        PingEngine(configuration: EngineConfiguration(defaultTimeout: timeout), factories: [RedisProbeFactory()])
    }

    static func payload(
        host: String = "127.0.0.1", port: Int, username: String? = nil, password: String? = nil, database: Int? = nil,
        tls: Bool? = nil, extra: [String: String] = [:], timeoutSeconds: Double? = nil
    ) -> ConnectorPayload {
        var config = ["host": host, "port": String(port)]
        if let username { config["username"] = username }
        if let password { config["password"] = password }
        if let database { config["database"] = String(database) }
        if let tls { config["tls"] = tls ? "true" : "false" }
        for (key, value) in extra { config[key] = value }
        return ConnectorPayload(
            type: .redis, sharedConfig: SharedConfig(strings: config), timeoutSeconds: timeoutSeconds)
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
