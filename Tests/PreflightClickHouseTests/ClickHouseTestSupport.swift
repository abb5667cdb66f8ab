import Foundation
import PreflightClickHouse
import PreflightCore
import PreflightEngine
import PreflightProbeTesting
import Testing

/// Shared helpers: an engine with only the ClickHouse probe, payload building, and report lookups.
enum ClickHouseTesting {
    static func engine(timeout: Duration = .seconds(10)) -> PingEngine {
        ProbeTesting.engine([ClickHouseProbeFactory()], timeout: timeout)
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
    static func ping(
        _ engine: PingEngine, _ payload: ConnectorPayload, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> PingReport {
        try await ProbeTesting.ping(engine, payload, sourceLocation: sourceLocation)
    }
}
