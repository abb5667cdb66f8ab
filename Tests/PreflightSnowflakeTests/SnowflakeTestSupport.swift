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
    static func fake(account: String = account, echoTokenInQueryError: Bool = false) -> FakeSnowflake {
        FakeSnowflake(
            account: account,
            users: [
                "loader": .init(
                    publicKey: userPublicKey, password: password, defaultRole: "LOADER_ROLE",
                    roles: ["LOADER_ROLE", "PUBLIC"])
            ],
            warehouses: ["LOADING_WH": ["LOADER_ROLE"], "LOCKED_WH": ["SYSADMIN"]],
            echoTokenInQueryError: echoTokenInQueryError)
    }

    static func start(_ fake: FakeSnowflake) async throws -> ScriptedHTTPServer {
        try await ScriptedHTTPServer.start(tls: true) { request in fake.handle(request) }
    }

    static func payload(
        accountIdentifier: String? = "myorg-myaccount", accountURL: String? = nil, warehouse: String? = "loading_wh",
        username: String? = "loader", privateKey: String? = nil, password: String? = nil, role: String? = nil,
        caPEM: String? = TestPKI.caPEM, timeoutSeconds: Double? = nil
    ) -> ConnectorPayload {
        var config: [String: String] = [:]
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
