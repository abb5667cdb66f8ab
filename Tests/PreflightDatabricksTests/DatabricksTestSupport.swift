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

    static let user = "dana@example.com"

    /// What a destination needs, granted the way workspaces usually do: USE CATALOG to a group,
    /// USE SCHEMA and CREATE TABLE on the schema and READ/WRITE VOLUME on the volume to the user, plus
    /// unrelated principals so that the effective permissions take several pages.
    static let fullGrants: [String: [String: [String]]] = [
        "main": ["data-eng": ["USE_CATALOG"], "analysts": ["USE_CATALOG", "BROWSE"]],
        "main.raw": [user: ["USE_SCHEMA", "CREATE_TABLE"], "analysts": ["USE_SCHEMA", "SELECT"]],
        "main.raw.files": [user: ["READ_VOLUME", "WRITE_VOLUME"], "auditors": ["READ_VOLUME"]],
    ]

    static func fake(
        state: String = "RUNNING", allowed: Bool = true, echoBearerIn403: Bool = false,
        grants: [String: [String: [String]]] = fullGrants, owners: [String: String] = [:],
        groups: [String] = ["users", "data-eng"], refuseDelete: Bool = false
    ) -> FakeDatabricks {
        FakeDatabricks(
            personalAccessToken: pat, clientID: clientID, clientSecret: clientSecret,
            warehouses: [warehouseID: .init(name: "Serverless Starter", state: state, allowed: allowed)],
            clusters: ["0123-456789-abcdefgh": "TERMINATED"],
            volumes: ["main.raw.files": true, "main.raw.secret": false],
            echoBearerIn403: echoBearerIn403, grants: grants, owners: owners, schemas: ["main.raw"],
            patUser: (user, groups), refuseDelete: refuseDelete)
    }

    static func start(_ fake: FakeDatabricks) async throws -> ScriptedHTTPServer {
        try await ScriptedHTTPServer.start(tls: true) { request in fake.handle(request) }
    }

    static func payload(
        host: String?, httpPath: String? = "/sql/1.0/warehouses/\(warehouseID)", pat: String? = nil,
        clientID: String? = nil, clientSecret: String? = nil, volume: String? = nil, schema: String? = nil,
        writeTest: Bool = false, caPEM: String? = TestPKI.caPEM, timeoutSeconds: Double? = nil
    ) -> ConnectorPayload {
        var config: [String: String] = [:]
        config["host"] = host
        config["httpPath"] = httpPath
        config["personalAccessToken"] = pat
        config["clientID"] = clientID
        config["clientSecret"] = clientSecret
        config["volume"] = volume
        config["schema"] = schema
        config["sslRootCert"] = caPEM
        var shared = SharedConfig(strings: config)
        if writeTest { shared["writeTest"] = .bool(true) }
        return ConnectorPayload(type: .databricks, sharedConfig: shared, timeoutSeconds: timeoutSeconds)
    }

    /// Pings and checks that no planted secret (configured or issued at run time) is in the report.
    static func ping(
        _ engine: PingEngine, _ payload: ConnectorPayload, runtimeSecrets: @autoclosure () -> [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> PingReport {
        try await ProbeTesting.ping(engine, payload, secrets: runtimeSecrets(), sourceLocation: sourceLocation)
    }
}
