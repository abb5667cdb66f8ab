import Foundation
import PreflightCore
import PreflightEngine
import PreflightSnowflake
import PreflightTestSupport
import Testing

/// Password pings against `FakeSnowflake`'s session API over HTTPS.
@Suite("Snowflake password login against a local peer")
struct SnowflakePasswordPeerTests {
    @Test("happy path: login, query, warehouse, logout; the session token never appears")
    func happyPath() async throws {
        let fake = SnowflakeTesting.fake()
        let server = try await SnowflakeTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = SnowflakeTesting.payload(accountURL: server.endpoint, password: SnowflakeTesting.password)
        let report = try await SnowflakeTesting.ping(
            SnowflakeTesting.engine(), payload, runtimeSecrets: fake.issuedTokens)
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("login")?.status == .passed)
        #expect(report.step("warehouse")?.detail?.contains("LOADING_WH") == true)
        #expect(report.step("logout")?.status == .passed)
        #expect(fake.issuedTokens.count == 1)
        #expect(fake.openSessions == 0)
        let login = try #require(server.requests.first)
        #expect(login.pathOnly == "/session/v1/login-request")
        #expect(login.query["warehouse"] == "loading_wh")
    }

    @Test("a wrong password: 390100, auth")
    func wrongPassword() async throws {
        let fake = SnowflakeTesting.fake()
        let server = try await SnowflakeTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = SnowflakeTesting.payload(accountURL: server.endpoint, password: "planted-wrong-password")
        let report = try await SnowflakeTesting.ping(SnowflakeTesting.engine(), payload)
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.message?.contains("390100 Incorrect username or password") == true)
        #expect(fake.issuedTokens.isEmpty)
    }

    @Test("an unknown warehouse: permission, and the session is still closed")
    func unknownWarehouse() async throws {
        let fake = SnowflakeTesting.fake()
        let server = try await SnowflakeTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = SnowflakeTesting.payload(
            accountURL: server.endpoint, warehouse: "NO_SUCH_WH", password: SnowflakeTesting.password)
        let report = try await SnowflakeTesting.ping(
            SnowflakeTesting.engine(), payload, runtimeSecrets: fake.issuedTokens)
        #expect(report.category == .permission, "\(report.summary)")
        #expect(report.step("logout")?.status == .passed)
        #expect(fake.openSessions == 0)
    }

    @Test("a peer that echoes the session token in an error: the token is redacted")
    func echoedToken() async throws {
        let fake = SnowflakeTesting.fake(echoTokenInQueryError: true)
        let server = try await SnowflakeTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = SnowflakeTesting.payload(accountURL: server.endpoint, password: SnowflakeTesting.password)
        let report = try await SnowflakeTesting.ping(
            SnowflakeTesting.engine(), payload, runtimeSecrets: fake.issuedTokens)
        #expect(report.category == .permission, "\(report.summary)")
        #expect(report.message?.contains("000606") == true)
        #expect(report.message?.contains("[redacted]") == true)
        #expect(!fake.issuedTokens.isEmpty)
    }

    @Test("timing: ten password pings against the local peer", .tags(.figures))
    func figures() async throws {
        let fake = SnowflakeTesting.fake()
        let server = try await SnowflakeTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = SnowflakeTesting.payload(accountURL: server.endpoint, password: SnowflakeTesting.password)
        let engine = SnowflakeTesting.engine()
        var times: [Double] = []
        for _ in 0..<10 {
            let report = try await engine.ping(payload)
            #expect(report.ok)
            times.append(report.durationMs)
        }
        print(
            "snowflake password ping against the local peer: ms per ping \(times.map { String(format: "%.1f", $0) }.joined(separator: ", "))"
        )
    }
}
