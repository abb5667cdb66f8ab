import Foundation
import PreflightClickHouse
import PreflightCore
import PreflightEngine
import Testing

/// Shared helpers: an engine with only the ClickHouse probe, payload building, and report lookups.
enum ClickHouseTesting {
    static func engine(timeout: Duration = .seconds(10)) -> PingEngine {
        PingEngine(configuration: EngineConfiguration(defaultTimeout: timeout), factories: [ClickHouseProbeFactory()])
    }

    static func payload(
        addresses: [String], username: String? = nil, password: String? = nil, insecure: Bool = true,
        extra: [String: JSONValue] = [:], timeoutSeconds: Double? = nil
    ) -> ConnectorPayload {
        var config: [String: JSONValue] = [
            "addresses": .array(addresses.map { .string($0) }), "isInsecure": .bool(insecure),
        ]
        if let username { config["username"] = .string(username) }
        if let password { config["password"] = .string(password) }
        for (key, value) in extra { config[key] = value }
        return ConnectorPayload(type: .clickhouse, sharedConfig: SharedConfig(config), timeoutSeconds: timeoutSeconds)
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
