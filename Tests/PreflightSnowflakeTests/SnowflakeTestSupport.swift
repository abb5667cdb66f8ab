import Crypto
import Foundation
import PreflightCore
import PreflightEngine
import PreflightHTTP
import PreflightProbeTesting
import PreflightSnowflake
import PreflightTestSupport
import Testing
import _CryptoExtras

/// Shared helpers: an engine with only the Snowflake probe, payloads, a fake account, and leak checks.
enum SnowflakeTesting {
    static let userPublicKey = try! RSAPrivateKeyPEM.parse(SnowflakeTestKeys.userPEM, field: "test").publicKey
    static let password = "planted-Password-0451!"
    static let account = "MYORG-MYACCOUNT"

    static func engine(timeout: Duration = .seconds(10)) -> PingEngine {
        ProbeTesting.engine([SnowflakeProbeFactory()], timeout: timeout)
    }

    /// A fake account: user LOADER (the user key and the password), roles LOADER_ROLE (default) and
    /// OTHER_ROLE; warehouses LOADING_WH (LOADER_ROLE may use it) and LOCKED_WH (nobody may).
    /// LOADER_ROLE's grants: USAGE and CREATE SCHEMA on database ANALYTICS, USAGE and CREATE TABLE on
    /// schema ANALYTICS.RAW, USAGE only on database SALES; HELPER_ROLE inherits role WRITER_ROLE.
    static func fake(
        account: String = account, echoTokenInQueryError: Bool = false,
        warehouseStates: [String: (state: String, autoResume: Bool)] = [:]
    ) -> FakeSnowflake {
        FakeSnowflake(
            account: account,
            users: [
                "loader": .init(
                    publicKey: userPublicKey, password: password, defaultRole: "LOADER_ROLE",
                    roles: ["LOADER_ROLE", "PUBLIC", "HELPER_ROLE"])
            ],
            warehouses: ["LOADING_WH": ["LOADER_ROLE", "HELPER_ROLE"], "LOCKED_WH": ["SYSADMIN"]],
            grants: [
                "LOADER_ROLE": [
                    ("USAGE", "DATABASE", "ANALYTICS"), ("CREATE SCHEMA", "DATABASE", "ANALYTICS"),
                    ("USAGE", "SCHEMA", "ANALYTICS.RAW"), ("CREATE TABLE", "SCHEMA", "ANALYTICS.RAW"),
                    ("USAGE", "DATABASE", "SALES"),
                ],
                "HELPER_ROLE": [("USAGE", "ROLE", "WRITER_ROLE")],
            ],
            warehouseStates: warehouseStates, echoTokenInQueryError: echoTokenInQueryError)
    }

    static func start(_ fake: FakeSnowflake) async throws -> ScriptedHTTPServer {
        try await ScriptedHTTPServer.start(tls: true) { request in fake.handle(request) }
    }

    static func payload(
        accountIdentifier: String? = "myorg-myaccount", accountURL: String? = nil, warehouse: String? = "loading_wh",
        username: String? = "loader", privateKey: String? = nil, password: String? = nil, role: String? = nil,
        caPEM: String? = TestPKI.caPEM, timeoutSeconds: Double? = nil, database: String? = nil, schema: String? = nil
    ) -> ConnectorPayload {
        var config: [String: String] = [:]
        config["database"] = database
        config["schema"] = schema
        config["accountIdentifier"] = accountIdentifier
        config["accountURL"] = accountURL
        config["virtualDWH"] = warehouse
        config["username"] = username
        config["privateKey"] = privateKey
        config["password"] = password
        config["role"] = role
        config["sslRootCert"] = caPEM
        return ConnectorPayload(
            type: .snowflake, sharedConfig: SharedConfig(strings: config), timeoutSeconds: timeoutSeconds)
    }

    /// Pings and checks that no planted secret (configured or obtained at run time) is in the report.
    static func ping(
        _ engine: PingEngine, _ payload: ConnectorPayload, runtimeSecrets: @autoclosure () -> [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> PingReport {
        try await ProbeTesting.ping(engine, payload, secrets: runtimeSecrets(), sourceLocation: sourceLocation)
    }
}
