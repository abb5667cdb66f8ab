import Foundation
import PreflightCore
import PreflightEngine
import PreflightProbeTesting
import PreflightRedis
import Testing

/// Shared helpers: an engine with only the Redis probe, payload building, and report lookups.
enum RedisTesting {
    static func engine(timeout: Duration = .seconds(10)) -> PingEngine {
        ProbeTesting.engine([RedisProbeFactory()], timeout: timeout)
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

    /// Pings and checks that no secret of the payload leaked into the report, in any encoding.
    static func ping(
        _ engine: PingEngine, _ payload: ConnectorPayload, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> PingReport {
        try await ProbeTesting.ping(engine, payload, sourceLocation: sourceLocation)
    }
}
