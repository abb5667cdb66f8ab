import Foundation
import PreflightCore
import PreflightEngine
import PreflightTestSupport
import Testing

/// The local redis-server of `scripts/servers/redis.sh` (read from `PREFLIGHT_TEST_REDIS_*`).
struct RedisTestServer: Sendable {
    var host: String
    var port: Int
    var tlsPort: Int
    var password: String
    var aclUser: String
    var aclPassword: String
    var restrictedUser: String
    var restrictedPassword: String
    var caFile: String
    var otherCAFile: String

    static let variables = [
        "PREFLIGHT_TEST_REDIS_HOST", "PREFLIGHT_TEST_REDIS_PORT", "PREFLIGHT_TEST_REDIS_TLS_PORT",
        "PREFLIGHT_TEST_REDIS_PASSWORD",
        "PREFLIGHT_TEST_REDIS_ACL_USER", "PREFLIGHT_TEST_REDIS_ACL_PASSWORD",
        "PREFLIGHT_TEST_REDIS_RESTRICTED_USER", "PREFLIGHT_TEST_REDIS_RESTRICTED_PASSWORD",
        "PREFLIGHT_TEST_REDIS_CA_FILE", "PREFLIGHT_TEST_REDIS_OTHER_CA_FILE",
    ]

    static var missingVariables: [String] { variables.filter { TestEnvironment.value($0) == nil } }

    static func fromEnvironment() -> RedisTestServer? {
        guard missingVariables.isEmpty else { return nil }
        func value(_ name: String) -> String { TestEnvironment.value("PREFLIGHT_TEST_REDIS_\(name)") ?? "" }
        guard let port = Int(value("PORT")), let tlsPort = Int(value("TLS_PORT")) else { return nil }
        return RedisTestServer(
            host: value("HOST"), port: port, tlsPort: tlsPort, password: value("PASSWORD"),
            aclUser: value("ACL_USER"), aclPassword: value("ACL_PASSWORD"),
            restrictedUser: value("RESTRICTED_USER"), restrictedPassword: value("RESTRICTED_PASSWORD"),
            caFile: value("CA_FILE"), otherCAFile: value("OTHER_CA_FILE"))
    }

    func pem(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
}

/// Pings against the real Redis 7 of scripts/servers/redis.sh.
@Suite(
    .enabled(
        if: RedisTestServer.fromEnvironment() != nil || TestEnvironment.requireIntegration,
        "needs scripts/servers/redis.sh"))
struct RedisIntegrationTests {
    let server: RedisTestServer
    let engine = RedisTesting.engine(timeout: .seconds(10))

    init() throws {
        server = try #require(
            RedisTestServer.fromEnvironment(),
            "missing \(RedisTestServer.missingVariables): run scripts/servers/redis.sh start DIR ENVFILE and source ENVFILE"
        )
    }

    func ping(
        username: String? = nil, password: String?, database: Int? = nil, tls: Bool? = nil, port: Int? = nil,
        extra: [String: String] = [:]
    ) async throws -> PingReport {
        try await RedisTesting.ping(
            engine,
            RedisTesting.payload(
                host: server.host, port: port ?? server.port, username: username,
                password: password, database: database, tls: tls, extra: extra))
    }

    @Test func defaultUserPasswordSucceeds() async throws {
        let report = try await ping(password: server.password, database: 3)
        #expect(report.ok, "\(report.summary)")
        #expect(report.steps.map(\.name) == ["dns", "connect", "tls", "auth", "select", "ping"], "\(report.summary)")
        #expect(report.step("auth")?.detail?.contains("authenticated as default: Redis 7") == true, "\(report.summary)")
        #expect(report.step("auth")?.detail?.contains("standalone, master") == true)
        #expect(report.step("select")?.detail == "database 3 selected")
        #expect(report.step("ping")?.detail?.hasPrefix("PONG") == true)
        #expect(report.step("tls")?.status == .skipped)
    }

    @Test func aclUserSucceeds() async throws {
        let report = try await ping(username: server.aclUser, password: server.aclPassword)
        #expect(report.ok, "\(report.summary)")
        #expect(
            report.step("auth")?.detail?.contains("authenticated as \(server.aclUser)") == true, "\(report.summary)")
        #expect(report.step("select")?.status == .skipped)
    }

    @Test func wrongPasswordIsAuth() async throws {
        let planted = "Planted-Wrong-Redis-Pass-42"
        let report = try await ping(password: planted)
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.message?.contains("WRONGPASS") == true)
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(!json.contains(planted))
        #expect(!json.contains(server.password))

        let wrongUser = try await ping(username: server.aclUser, password: "Another-Planted-Pass-7")
        #expect(wrongUser.category == .auth, "\(wrongUser.summary)")
    }

    @Test func noPasswordWhenRequiredIsAuth() async throws {
        let report = try await ping(password: nil)
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.message?.contains("requires a password and none was given") == true, "\(report.summary)")
        #expect(report.hint?.contains("sharedConfig.password") == true)
    }

    @Test func restrictedUserIsPermission() async throws {
        let report = try await ping(username: server.restrictedUser, password: server.restrictedPassword)
        #expect(report.category == .permission, "\(report.summary)")
        #expect(report.step("auth")?.status == .passed)
        #expect(report.step("ping")?.status == .failed)
        #expect(report.message?.contains("NOPERM") == true)
        let select = try await ping(username: server.restrictedUser, password: server.restrictedPassword, database: 1)
        #expect(select.category == .permission, "\(select.summary)")
        #expect(select.step("select")?.status == .failed)
    }

    @Test func missingDatabaseIsDatabaseNotFound() async throws {
        let report = try await ping(password: server.password, database: 99)
        #expect(report.category == .databaseNotFound, "\(report.summary)")
        #expect(report.message?.contains("no database 99") == true)
    }

    @Test func tlsWithTheCAVerifiesFully() async throws {
        let report = try await ping(
            password: server.password, tls: true, port: server.tlsPort,
            extra: ["sslRootCert": try server.pem(server.caFile)])
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("tls")?.detail?.contains("certificate verified") == true, "\(report.summary)")
    }

    @Test func tlsWithTheWrongCAIsTLS() async throws {
        let report = try await ping(
            password: server.password, tls: true, port: server.tlsPort,
            extra: ["sslRootCert": try server.pem(server.otherCAFile)])
        #expect(report.category == .tls, "\(report.summary)")
        let unverified = try await ping(
            password: server.password, tls: true, port: server.tlsPort, extra: ["sslMode": "require"])
        #expect(unverified.ok, "\(unverified.summary)")
    }

    @Test func plaintextToTheTLSPortSaysSo() async throws {
        let report = try await ping(password: server.password, port: server.tlsPort)
        #expect(!report.ok)
        #expect(report.hint?.contains("tls true") == true, "\(report.summary)")
    }

    /// Redis reads a ClientHello as the start of an inline command and waits for its newline: the
    /// handshake can only time out, and the report says the port may not speak TLS.
    @Test func tlsToThePlaintextPortTimesOutSayingWhy() async throws {
        let report = try await RedisTesting.ping(
            engine,
            RedisTesting.payload(
                host: server.host, port: server.port, password: server.password, tls: true,
                extra: ["sslRootCert": try server.pem(server.caFile)], timeoutSeconds: 1.5))
        #expect(report.category == .timeout, "\(report.summary)")
        #expect(report.step("tls")?.status == .failed)
        #expect(report.hint?.contains("may not be a TLS port") == true, "\(report.summary) hint: \(report.hint ?? "")")
    }

    /// Ten plaintext and five TLS pings that must all pass (the TLS ones with the certificate verified);
    /// their times are printed, not asserted.
    @Test func timings() async throws {
        var durations: [Double] = []
        for _ in 0..<10 {
            let report = try await ping(password: server.password, database: 1)
            #expect(report.ok, "\(report.summary)")
            #expect(
                report.steps.map(\.name) == ["dns", "connect", "tls", "auth", "select", "ping"], "\(report.summary)")
            durations.append(report.durationMs)
        }
        print(
            "redis ping (plaintext, HELLO+SELECT+PING) ms: \(durations.map { String(format: "%.1f", $0) }.joined(separator: " "))"
        )
        var tlsDurations: [Double] = []
        for _ in 0..<5 {
            let report = try await ping(
                password: server.password, tls: true, port: server.tlsPort,
                extra: ["sslRootCert": try server.pem(server.caFile)])
            #expect(report.ok, "\(report.summary)")
            #expect(report.step("tls")?.detail?.contains("certificate verified") == true, "\(report.summary)")
            tlsDurations.append(report.durationMs)
        }
        print(
            "redis ping (TLS verify-full) ms: \(tlsDurations.map { String(format: "%.1f", $0) }.joined(separator: " "))"
        )
    }
}
