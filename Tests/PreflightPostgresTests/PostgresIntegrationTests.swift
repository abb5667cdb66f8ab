import Foundation
import Logging
import PreflightCore
import PreflightEngine
import PreflightPostgres
import PreflightTestSupport
import Testing

/// Pings against the real PostgreSQL 15 clusters that scripts/test-servers.sh starts.
@Suite(
    .enabled(
        if: TestEnvironment.postgres() != nil || TestEnvironment.requireIntegration, "needs scripts/test-servers.sh"))
struct PostgresIntegrationTests {
    let server: PostgresTestServer
    let engine = PingEngine(
        configuration: EngineConfiguration(defaultTimeout: .seconds(10)), factories: [PostgresProbeFactory()])

    init() throws {
        server = try #require(
            TestEnvironment.postgres(),
            "PREFLIGHT_TEST_PG_* not set: run scripts/test-servers.sh start and source its env file")
    }

    func ping(_ payload: ConnectorPayload) async throws -> PingReport {
        let report = try await engine.ping(payload)
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        if let password = try payload.sharedConfig.secret("password") {
            #expect(!json.contains(password), "the password leaked into the report")
        }
        return report
    }

    func step(_ report: PingReport, _ name: String) -> PingStep? { report.steps.first { $0.name == name } }
    func check(_ report: PingReport, _ name: String) -> ReadinessCheck? { report.checks.first { $0.name == name } }

    @Test func scramUserSucceedsAndIsReady() async throws {
        let report = try await ping(
            server.payload(user: server.scramUser, password: server.scramPassword, role: "source"))
        #expect(report.ok, "\(report.message ?? "")")
        #expect(step(report, "auth")?.status == .passed)
        #expect(step(report, "database")?.status == .passed)
        #expect(check(report, "wal_level")?.status == .passed)
        #expect(check(report, "replication_privilege")?.status == .passed)
        #expect(check(report, "server_version")?.observed.hasPrefix("15") == true)
        #expect(check(report, "primary")?.observed == "primary")
        #expect(report.target?.connectedAddress == "\(server.host):\(server.port)")
    }

    @Test func md5UserSucceeds() async throws {
        let report = try await ping(server.payload(user: server.md5User, password: server.md5Password))
        #expect(report.ok, "\(report.message ?? "")")
    }

    @Test func wrongPasswordIsAuth() async throws {
        let planted = "Planted-Wrong-Password-4711"
        let report = try await ping(server.payload(user: server.scramUser, password: planted))
        #expect(!report.ok)
        #expect(report.category == .auth)
        #expect(report.transient == false)
        #expect(report.message?.contains(server.scramUser) == true)
        #expect(step(report, "auth")?.status == .failed)
    }

    @Test func missingDatabaseIsDatabaseNotFound() async throws {
        let report = try await ping(
            server.payload(user: server.scramUser, password: server.scramPassword, database: "no_such_db_here"))
        #expect(report.category == .databaseNotFound)
        #expect(report.message?.contains("no_such_db_here") == true)
        #expect(step(report, "auth")?.status == .passed)
        #expect(step(report, "database")?.status == .failed)
    }

    @Test func tlsOnlyUserWithoutTLSSaysTLSIsRequired() async throws {
        let report = try await ping(
            server.payload(user: server.tlsUser, password: server.tlsPassword, sslMode: "disable"))
        #expect(report.category == .auth)
        #expect(report.message?.contains("only accepts TLS") == true)
        #expect(report.hint?.contains("sslMode") == true)
    }

    @Test func tlsOnlyUserWithRequireSucceeds() async throws {
        let report = try await ping(
            server.payload(user: server.tlsUser, password: server.tlsPassword, sslMode: "require"))
        #expect(report.ok, "\(report.message ?? "")")
        #expect(step(report, "tls")?.status == .passed)
        #expect(step(report, "tls")?.detail?.contains("TLS 1.") == true)
    }

    @Test func verifyFullWithTheRightCASucceeds() async throws {
        let report = try await ping(
            server.payload(
                user: server.scramUser, password: server.scramPassword, sslMode: "verify-full", caFile: server.caFile))
        #expect(report.ok, "\(report.message ?? "")")
        #expect(step(report, "tls")?.detail?.contains("verified") == true)
    }

    @Test func verifyFullWithAnotherCAFailsNamingTheCertificate() async throws {
        let report = try await ping(
            server.payload(
                user: server.scramUser, password: server.scramPassword, sslMode: "verify-full",
                caFile: server.otherCAFile))
        #expect(report.category == .tls)
        let message = try #require(report.message)
        #expect(message.contains("not trusted"))
        #expect(message.contains("issuer"))
        #expect(message.contains("valid"))
    }

    @Test func verifyFullWithoutCAUsesSystemRootsAndFails() async throws {
        let report = try await ping(
            server.payload(user: server.scramUser, password: server.scramPassword, sslMode: "verify-full"))
        #expect(report.category == .tls)
        #expect(report.hint?.contains("sslRootCert") == true)
    }

    @Test func userWithoutReplicationFailsOnlyAsSource() async throws {
        let asSource = try await ping(
            server.payload(user: server.noreplUser, password: server.noreplPassword, role: "source"))
        #expect(asSource.category == .cdcNotReady)
        #expect(check(asSource, "replication_privilege")?.status == .failed)
        #expect(check(asSource, "replication_privilege")?.fix?.contains("WITH REPLICATION") == true)
        #expect(asSource.hint?.contains("ALTER ROLE") == true)

        let asDestination = try await ping(server.payload(user: server.noreplUser, password: server.noreplPassword))
        #expect(asDestination.ok)
        #expect(step(asDestination, "readiness")?.status == .warning)
        #expect(check(asDestination, "replication_privilege")?.status == .failed)
    }

    @Test func publicationsSlotsAndUnreadableTablesAreReported() async throws {
        let owner = try await ping(
            server.payload(user: server.scramUser, password: server.scramPassword, database: server.database))
        #expect(owner.ok, "\(owner.message ?? "")")
        #expect(check(owner, "publications")?.observed.contains("preflight_pub") == true)
        #expect(check(owner, "logical_slots")?.observed.contains("preflight_slot") == true)

        let limited = try await ping(
            server.payload(user: server.noreplUser, password: server.noreplPassword, database: server.database))
        let select = try #require(check(limited, "select_privilege"))
        #expect(select.status == .warning)
        #expect(select.observed.contains("items"))
    }

    @Test func walLevelReplicaIsNotReadyAndNeedsARestart() async throws {
        let report = try await ping(
            server.payload(
                user: server.replicaUser, password: server.replicaPassword, port: server.replicaPort, role: "source"))
        #expect(report.category == .cdcNotReady)
        let walLevel = try #require(check(report, "wal_level"))
        #expect(walLevel.status == .failed)
        #expect(walLevel.observed == "replica")
        #expect(walLevel.restartRequired == true)
        #expect(walLevel.fix?.contains("wal_level = logical") == true)
        #expect(report.hint?.contains("restart") == true)
    }

    @Test func serverWithoutTLSFailsRequireAndWarnsPrefer() async throws {
        let required = try await ping(
            server.payload(
                user: server.replicaUser, password: server.replicaPassword, sslMode: "require", port: server.replicaPort
            ))
        #expect(required.category == .tls)
        #expect(required.message?.contains("does not accept TLS") == true)

        let preferred = try await ping(
            server.payload(
                user: server.replicaUser, password: server.replicaPassword, sslMode: "prefer", port: server.replicaPort)
        )
        #expect(preferred.ok, "\(preferred.message ?? "")")
        #expect(step(preferred, "tls")?.status == .warning)
    }

    @Test func localhostNameResolvesAndConnects() async throws {
        var config = try server.payload(user: server.scramUser, password: server.scramPassword)
        config.sharedConfig["host"] = .string("localhost")
        let report = try await ping(config)
        #expect(step(report, "dns")?.status == .passed)
        #expect(report.target?.addresses.isEmpty == false)
        #expect(report.ok || report.category == .auth, "\(report.message ?? "")")
    }
}
