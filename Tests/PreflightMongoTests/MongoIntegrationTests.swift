import Foundation
import PreflightCore
import PreflightEngine
import PreflightMongo
import PreflightTestSupport
import Testing

/// Pings against the SecantusDB servers that scripts/servers/mongo.sh starts (a single-node replica
/// set with auth, the same over TLS, and a standalone).
@Suite(.enabled(if: MongoTestServer.configured || TestEnvironment.requireIntegration, "needs scripts/servers/mongo.sh"))
struct MongoIntegrationTests {
    let server: MongoTestServer
    let engine = PingEngine(
        configuration: EngineConfiguration(defaultTimeout: .seconds(10)), factories: [MongoProbeFactory()])

    init() throws {
        server = try #require(
            MongoTestServer.fromEnvironment(),
            "PREFLIGHT_TEST_MONGO_* missing: \(MongoTestServer.missing().joined(separator: ", ")); run scripts/servers/mongo.sh start"
        )
    }

    func payload(
        _ uri: String, user: String? = nil, password: String? = nil, database: String? = nil, role: String? = nil,
        type: ConnectorType = .mongodb, extra: [String: String] = [:]
    ) -> ConnectorPayload {
        var config = ["host": uri]
        if let user { config["user"] = user }
        if let password { config["password"] = password }
        config.merge(extra) { $1 }
        return ConnectorPayload(
            type: type, sharedConfig: SharedConfig(strings: config), defaultDatabase: database, connectionRole: role)
    }

    var plain: String { "mongodb://\(server.host):\(server.port)" }

    func ping(_ payload: ConnectorPayload, secrets: [String] = []) async throws -> PingReport {
        let report = try await engine.ping(payload)
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        var planted = secrets
        if let password = try payload.sharedConfig.secret("password") { planted.append(password) }
        for secret in planted {
            #expect(!json.contains(secret), "a password leaked into the report")
        }
        return report
    }

    func step(_ report: PingReport, _ name: String) -> PingStep? { report.steps.last { $0.name == name } }
    func check(_ report: PingReport, _ name: String) -> ReadinessCheck? { report.checks.first { $0.name == name } }

    @Test func sha256UserSucceedsAsSourceWithAnOplogWarning() async throws {
        let report = try await ping(
            payload(plain, user: server.sha256User, password: server.sha256Password, role: "source"))
        #expect(report.ok, "\(report.message ?? "") \(report.steps)")
        #expect(step(report, "hello")?.detail?.contains("PRIMARY of replica set \"\(server.replicaSet)\"") == true)
        #expect(step(report, "auth")?.detail?.contains("SCRAM-SHA-256") == true)
        #expect(step(report, "topology")?.status == .passed)
        #expect(check(report, "deployment")?.status == .passed)
        #expect(check(report, "change_stream")?.status == .passed)
        #expect(check(report, "server_version")?.status == .passed)
        // A fresh server's oplog reaches back minutes, not a day: a warning, which does not fail a source.
        #expect(check(report, "oplog_window")?.status == .warning)
        #expect(step(report, "readiness")?.status == .warning)
        #expect(report.target?.connectedAddress == "\(server.host):\(server.port)")
    }

    @Test func sha1UserIsNegotiatedFromSaslSupportedMechs() async throws {
        let report = try await ping(payload(plain, user: server.sha1User, password: server.sha1Password))
        #expect(report.ok, "\(report.message ?? "")")
        #expect(step(report, "auth")?.detail?.contains("SCRAM-SHA-1") == true)
    }

    @Test func credentialsInTheConnectionStringWorkAndAreNeverEchoed() async throws {
        let uri =
            "mongodb://\(server.sha1User):\(server.sha1Password)@\(server.host):\(server.port)/?authSource=admin&authMechanism=SCRAM-SHA-1&replicaSet=\(server.replicaSet)"
        let report = try await ping(payload(uri), secrets: [server.sha1Password])
        #expect(report.ok, "\(report.message ?? "")")
        #expect(step(report, "auth")?.detail?.contains("SCRAM-SHA-1") == true)
    }

    @Test func sharedConfigPasswordOverridesTheStringsPassword() async throws {
        let uri = "mongodb://\(server.sha256User):Wrong-Password-In-String-1@\(server.host):\(server.port)/"
        let report = try await ping(
            payload(uri, password: server.sha256Password), secrets: ["Wrong-Password-In-String-1"])
        #expect(report.ok, "\(report.message ?? "")")
    }

    @Test func wrongPasswordIsAuthWithTheLikelyCauses() async throws {
        let planted = "Planted-Wrong-Password-4711"
        let report = try await ping(payload(plain, user: server.sha256User, password: planted), secrets: [planted])
        #expect(!report.ok)
        #expect(report.category == .auth)
        #expect(report.transient == false)
        #expect(report.message?.contains(server.sha256User) == true)
        #expect(report.message?.contains("code 18") == true)
        #expect(report.hint?.contains("authSource") == true)
        #expect(step(report, "auth")?.status == .failed)
    }

    @Test func wrongMechanismForTheUserIsAuth() async throws {
        let report = try await ping(
            payload(plain + "/?authMechanism=SCRAM-SHA-256", user: server.sha1User, password: server.sha1Password))
        #expect(report.category == .auth)
        #expect(report.hint?.contains("SCRAM-SHA-1") == true)
    }

    @Test func wrongAuthSourceIsAuthNamingIt() async throws {
        let report = try await ping(
            payload(plain + "/?authSource=appdb", user: server.sha256User, password: server.sha256Password))
        #expect(report.category == .auth)
        #expect(report.message?.contains("authSource \"appdb\"") == true)
    }

    @Test func userWithoutRolesFailsAsPermissionForASource() async throws {
        let asSource = try await ping(
            payload(plain, user: server.noreadUser, password: server.noreadPassword, role: "source"))
        #expect(asSource.category == .permission, "\(asSource.category?.rawValue ?? "ok") \(asSource.message ?? "")")
        #expect(check(asSource, "change_stream")?.status == .failed)
        #expect(check(asSource, "change_stream")?.fix?.contains("grantRolesToUser") == true)
        #expect(check(asSource, "oplog_window")?.status == .warning)

        let asDestination = try await ping(payload(plain, user: server.noreadUser, password: server.noreadPassword))
        #expect(asDestination.ok)
        #expect(step(asDestination, "readiness")?.status == .warning)
    }

    @Test func userWithoutRolesOnANamedDatabase() async throws {
        let report = try await ping(
            payload(
                plain, user: server.noreadUser, password: server.noreadPassword, database: server.database,
                role: "source"))
        #expect(!report.ok)
        #expect(
            [.permission].contains(report.category), "\(report.category?.rawValue ?? "ok"): \(report.message ?? "")")
    }

    @Test func databaseWithCollectionsIsListed() async throws {
        let report = try await ping(
            payload(plain, user: server.sha256User, password: server.sha256Password, database: server.database))
        #expect(report.ok, "\(report.message ?? "")")
        #expect(step(report, "database")?.detail?.contains("items") == true)
        #expect(check(report, "change_stream")?.observed.contains("database \"\(server.database)\"") == true)
    }

    @Test func missingDatabaseIsAWarning() async throws {
        let report = try await ping(
            payload(plain, user: server.sha256User, password: server.sha256Password, database: "no_such_db_here"))
        #expect(report.ok)
        #expect(step(report, "database")?.status == .warning)
    }

    @Test func replicaSetNameMismatchIsReported() async throws {
        let report = try await ping(
            payload(plain + "/?replicaSet=rs0", user: server.sha256User, password: server.sha256Password))
        #expect(report.category == .serverUnavailable)
        #expect(report.message?.contains("\"\(server.replicaSet)\"") == true)
        #expect(report.message?.contains("\"rs0\"") == true)
        #expect(report.hint?.contains("replicaSet=\(server.replicaSet)") == true)
    }

    @Test func standaloneFailsChangeStreamReadinessAsSource() async throws {
        let uri = "mongodb://\(server.host):\(server.standalonePort)"
        let report = try await ping(
            payload(uri, user: server.sha256User, password: server.sha256Password, role: "source"))
        #expect(report.category == .cdcNotReady, "\(report.category?.rawValue ?? "ok"): \(report.message ?? "")")
        #expect(check(report, "deployment")?.status == .failed)
        #expect(check(report, "deployment")?.restartRequired == true)
        #expect(check(report, "deployment")?.fix?.contains("--replSet") == true)
        #expect(check(report, "oplog_window")?.status == .skipped)
        #expect(report.hint?.contains("restart") == true)
        #expect(step(report, "hello")?.detail?.contains("standalone") == true)

        let destination = try await ping(payload(uri, user: server.sha256User, password: server.sha256Password))
        #expect(destination.ok)
    }

    @Test func tlsWithTheCAVerifiesAndAuthenticates() async throws {
        let uri = "mongodb://localhost:\(server.tlsPort)/?tls=true"
        let report = try await ping(
            payload(
                uri, user: server.sha256User, password: server.sha256Password,
                extra: ["sslRootCert": try server.caPEM()]))
        #expect(report.ok, "\(report.message ?? "")")
        #expect(step(report, "tls")?.detail?.contains("verified") == true)
        #expect(step(report, "auth")?.detail?.contains("over TLS") == true)
    }

    @Test func tlsWithAnotherCAFailsNamingTheCertificate() async throws {
        let uri = "mongodb://localhost:\(server.tlsPort)/?tls=true"
        let report = try await ping(
            payload(
                uri, user: server.sha256User, password: server.sha256Password,
                extra: ["sslRootCert": try server.otherCAPEM()]))
        #expect(report.category == .tls)
        #expect(report.message?.contains("not trusted") == true)
    }

    @Test func tlsAllowInvalidCertificatesSkipsVerification() async throws {
        let uri = "mongodb://127.0.0.1:\(server.tlsPort)/?tls=true&tlsAllowInvalidCertificates=true"
        let report = try await ping(payload(uri, user: server.sha256User, password: server.sha256Password))
        #expect(report.ok, "\(report.message ?? "")")
        #expect(step(report, "tls")?.detail?.contains("not verified") == true)
    }

    @Test func plaintextToATLSPortSaysTLSIsNeeded() async throws {
        let uri = "mongodb://127.0.0.1:\(server.tlsPort)"
        let report = try await ping(payload(uri, user: server.sha256User, password: server.sha256Password))
        #expect(!report.ok)
        #expect(report.category == .tls, "\(report.category?.rawValue ?? "ok"): \(report.message ?? "")")
        #expect(report.hint?.contains("tls=true") == true)
    }

    @Test func tlsToAPlaintextPortFailsAsTLS() async throws {
        let uri = "mongodb://127.0.0.1:\(server.port)/?tls=true&tlsInsecure=true"
        let report = try await ping(payload(uri, user: server.sha256User, password: server.sha256Password))
        #expect(report.category == .tls, "\(report.category?.rawValue ?? "ok"): \(report.message ?? "")")
    }

    @Test func documentDBDefaultsToTLS() async throws {
        let uri = "mongodb://localhost:\(server.tlsPort)"
        let report = try await ping(
            payload(
                uri, user: server.sha256User, password: server.sha256Password, type: .documentdb,
                extra: ["sslRootCert": try server.caPEM()]))
        #expect(report.ok, "\(report.message ?? "")")
        #expect(step(report, "tls")?.status == .passed)
        #expect(check(report, "change_stream_retention")?.status == .skipped)
        #expect(check(report, "oplog_window") == nil)
    }

    @Test func seedListWithADeadHostFallsThrough() async throws {
        let dead = closedPort()
        let uri = "mongodb://127.0.0.1:\(dead),\(server.host):\(server.port)/?replicaSet=\(server.replicaSet)"
        let report = try await ping(payload(uri, user: server.sha256User, password: server.sha256Password))
        #expect(report.ok, "\(report.message ?? "")")
        #expect(report.steps.contains { $0.name == "connect" && $0.status == .warning })
        #expect(step(report, "topology")?.status == .warning)
        #expect(step(report, "topology")?.detail?.contains("127.0.0.1:\(dead)") == true)
    }

    @Test func noUserConnectsWithoutAuthAndReadinessSaysWhy() async throws {
        let report = try await ping(payload(plain, role: "source"))
        #expect(report.steps.contains { $0.name == "auth" && $0.status == .skipped })
        #expect(report.category == .permission, "\(report.category?.rawValue ?? "ok"): \(report.message ?? "")")
    }

    @Test func localhostNameResolves() async throws {
        let report = try await ping(
            payload("mongodb://localhost:\(server.port)", user: server.sha256User, password: server.sha256Password))
        #expect(step(report, "dns")?.status == .passed)
        #expect(report.ok, "\(report.message ?? "")")
    }
}
