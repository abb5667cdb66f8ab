import Foundation
import NIOSSL
import PreflightCore
import PreflightEngine
import PreflightOracle
import PreflightProbeTesting
import PreflightTestSupport
import Testing

/// Shared helpers: an engine with only the Oracle probe, payloads, and the TCPS server context.
enum OracleTesting {
    static let password = "Oracle-Pl4nted/+=\"é-Pass"
    static let legacyPassword = "Legacy-11g-Pl4nted-Pass"

    /// The scripted database's users: `artie` (12c verifier, the planted password, every LogMiner
    /// privilege a reader needs), `bare` (the same, but no privilege beyond CREATE SESSION), `legacy`
    /// (11g verifier), `locked`, `expired`, `grace` (in its grace period: ORA-28002 as a warning) and
    /// `nosession` (no CREATE SESSION; each 12c with the planted password), `old10g` (only a 10G verifier).
    static func serverRules(
        fieldVersion: UInt8 = TTCFieldVersion.v19_1Ext1, breakBeforeErrors: Bool = false, impostor: Bool = false,
        closeAtPhaseTwo: Bool = false, logMode: String = "ARCHIVELOG", supplementalLogDataMin: String = "YES",
        rowsPerCall: Int = 1000, closeAtExecute: Bool = false
    ) -> ScriptedOracleServer.Rules {
        ScriptedOracleServer.Rules(
            users: [
                .init(
                    name: "artie", password: password, privileges: ["LOGMINING", "SELECT ANY TRANSACTION"],
                    roles: ["SELECT_CATALOG_ROLE"], executeOnLogMiner: true),
                .init(name: "bare", password: password),
                .init(
                    name: "legacy", password: legacyPassword, verifier: .v11g,
                    privileges: ["LOGMINING", "SELECT ANY TRANSACTION"], roles: ["SELECT_CATALOG_ROLE"],
                    executeOnLogMiner: true),
                .init(name: "locked", password: password, locked: true),
                .init(name: "expired", password: password, expired: true),
                .init(
                    name: "grace", password: password, expiresSoon: true,
                    privileges: ["LOGMINING", "SELECT ANY TRANSACTION"], roles: ["SELECT_CATALOG_ROLE"],
                    executeOnLogMiner: true),
                .init(name: "nosession", password: password, canCreateSession: false),
                .init(name: "old10g", password: password, verifier: .v10g),
            ],
            fieldVersion: fieldVersion, breakBeforeErrors: breakBeforeErrors, impostor: impostor,
            closeAtPhaseTwo: closeAtPhaseTwo, logMode: logMode, supplementalLogDataMin: supplementalLogDataMin,
            rowsPerCall: rowsPerCall, closeAtExecute: closeAtExecute)
    }

    static func engine(timeout: Duration = .seconds(10)) -> PingEngine {
        ProbeTesting.engine([OracleProbeFactory()], timeout: timeout)
    }

    static func payload(
        port: Int, service: String? = "FREEPDB1", sid: String? = nil, user: String = "artie",
        password: String? = OracleTesting.password, extra: [String: String] = [:], timeoutSeconds: Double? = nil
    ) -> ConnectorPayload {
        var config = ["host": "127.0.0.1", "port": String(port), "user": user]
        if let password { config["password"] = password }
        if let sid { config["sid"] = sid }
        for (key, value) in extra { config[key] = value }
        return ConnectorPayload(
            type: .oracle, sharedConfig: SharedConfig(strings: config), defaultDatabase: service,
            timeoutSeconds: timeoutSeconds)
    }

    /// Pings and checks that no secret of the payload leaked into the report, in any encoding.
    static func ping(
        _ engine: PingEngine, _ payload: ConnectorPayload, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> PingReport {
        try await ProbeTesting.ping(engine, payload, sourceLocation: sourceLocation)
    }

    /// A TLS server context with the test CA's certificate for 127.0.0.1 (TCPS).
    static func tcpsContext() throws -> NIOSSLContext {
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [
                .certificate(try NIOSSLCertificate(bytes: Array(TestPKI.serverCertificatePEM.utf8), format: .pem))
            ],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(TestPKI.serverKeyPEM.utf8), format: .pem)))
        return try NIOSSLContext(configuration: configuration)
    }
}
