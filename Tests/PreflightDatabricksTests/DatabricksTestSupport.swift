import Foundation
import PreflightCore
import PreflightDatabricks
import PreflightEngine
import PreflightProbeTesting
import PreflightTestSupport
import Testing

/// Shared helpers: an engine with only the Databricks probe, payloads, a fake workspace, and leak checks.
enum DatabricksTesting {
    static let pat = "dapi-planted-personal-access-token-0123456789"
    static let clientID = "6f2b1e0c-7a55-4b1e-9d2f-1c3e5a7b9d01"
    static let clientSecret = "dose-planted-client-secret-abcdef"
    static let warehouseID = "1234567890abcdef"

    static func engine(timeout: Duration = .seconds(10)) -> PingEngine {
        ProbeTesting.engine([DatabricksProbeFactory()], timeout: timeout)
    }

    static func fake(state: String = "RUNNING", allowed: Bool = true, echoBearerIn403: Bool = false) -> FakeDatabricks {
        FakeDatabricks(
            personalAccessToken: pat, clientID: clientID, clientSecret: clientSecret,
            warehouses: [warehouseID: .init(name: "Serverless Starter", state: state, allowed: allowed)],
            clusters: ["0123-456789-abcdefgh": "TERMINATED"],
            volumes: ["main.raw.files": true, "main.raw.secret": false],
            echoBearerIn403: echoBearerIn403)
    }

    static func start(_ fake: FakeDatabricks) async throws -> ScriptedHTTPServer {
        try await ScriptedHTTPServer.start(tls: true) { request in fake.handle(request) }
    }

    static func payload(
        host: String?, httpPath: String? = "/sql/1.0/warehouses/\(warehouseID)", pat: String? = nil,
        clientID: String? = nil, clientSecret: String? = nil, volume: String? = nil,
        caPEM: String? = TestPKI.caPEM, timeoutSeconds: Double? = nil
    ) -> ConnectorPayload {
        var config: [String: String] = [:]
        config["host"] = host
        config["httpPath"] = httpPath
        config["personalAccessToken"] = pat
        config["clientID"] = clientID
        config["clientSecret"] = clientSecret
        config["volume"] = volume
        config["sslRootCert"] = caPEM
        return ConnectorPayload(
            type: .databricks, sharedConfig: SharedConfig(strings: config), timeoutSeconds: timeoutSeconds)
    }

    /// Pings and checks that no planted secret (configured or issued at run time) is in the report.
    static func ping(
        _ engine: PingEngine, _ payload: ConnectorPayload, runtimeSecrets: @autoclosure () -> [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> PingReport {
        try await ProbeTesting.ping(engine, payload, secrets: runtimeSecrets(), sourceLocation: sourceLocation)
    }
}
