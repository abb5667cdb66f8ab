import Crypto
import Foundation
import PreflightCore
import PreflightEngine
import PreflightTestSupport
import Testing

@testable import PreflightPostgres
@testable import PreflightSCRAM

/// The SCRAM-SHA-256 login answered by ``PostgresSCRAMHandler`` against the real PostgreSQL 15 of
/// scripts/test-servers.sh: the salted password goes through SCRAM's cache (looked up with the salt and
/// iteration count the server stores), a verifier with fewer iterations than MongoDB's floor logs in, and a
/// wrong password is the server's own refusal.
@Suite(
    .serialized,
    .enabled(
        if: TestEnvironment.postgres() != nil || TestEnvironment.requireIntegration, "needs scripts/test-servers.sh"))
struct PostgresSCRAMLoginTests {
    let server: PostgresTestServer
    let engine = PingEngine(
        configuration: EngineConfiguration(defaultTimeout: .seconds(10)), factories: [PostgresProbeFactory()])

    init() throws {
        server = try #require(TestEnvironment.postgres(), "PREFLIGHT_TEST_PG_* not set")
    }

    /// A login role of its own with `password`, dropped after `body`.
    func withRole(password: String, _ body: (String) async throws -> Void) async throws {
        let role = "scram_\(UUID().uuidString.prefix(8).lowercased())"
        _ = try server.superuserQuery("CREATE ROLE \(role) LOGIN PASSWORD '\(password)'")
        defer { _ = try? server.superuserQuery("DROP ROLE IF EXISTS \(role)") }
        try await body(role)
    }

    /// The iteration count and salt of the role's stored SCRAM verifier ("SCRAM-SHA-256$i:salt$stored:server").
    func verifier(of role: String) throws -> (iterations: Int, salt: [UInt8]) {
        let stored = try server.superuserQuery("SELECT rolpassword FROM pg_authid WHERE rolname = '\(role)'")
        let parts = stored.split(separator: "$")
        try #require(parts.count == 3 && parts[0] == "SCRAM-SHA-256", "not a SCRAM verifier: \(stored.prefix(14))")
        let head = parts[1].split(separator: ":")
        return (try #require(Int(head[0])), Array(try #require(Data(base64Encoded: String(head[1])))))
    }

    @Test func theSaltedPasswordIsCachedAndASecondPingUsesIt() async throws {
        let password = "pw-\(UUID().uuidString)"
        try await withRole(password: password) { role in
            let (iterations, salt) = try verifier(of: role)
            let cached = {
                SaltedPasswordCache.shared.holds(
                    mechanism: "SHA256", password: Array(password.utf8), salt: salt, iterations: iterations)
            }
            #expect(!cached())
            let first = try await engine.ping(try server.payload(user: role, password: password))
            #expect(first.ok, "\(first.summary)")
            #expect(cached(), "the login went through SCRAM's cache")
            let second = try await engine.ping(try server.payload(user: role, password: password))
            #expect(second.ok, "\(second.summary)")
        }
    }

    @Test func aVerifierWithFewerIterationsThanMongoDBsFloorLogsIn() async throws {
        let password = "pw-\(UUID().uuidString)"
        try await withRole(password: "placeholder-\(UUID().uuidString)") { role in
            // PostgreSQL 16 lets an administrator lower scram_iterations; 15 takes such a verifier as given.
            let salt = Array(UUID().uuidString.utf8.prefix(16))
            let salted = SymmetricKey(
                data: SCRAMClient.saltedPassword(
                    SHA256.self, password: Array(password.utf8), salt: salt, iterations: 1024))
            let clientKey = Array(HMAC<SHA256>.authenticationCode(for: Array("Client Key".utf8), using: salted))
            let storedKey = Data(SHA256.hash(data: clientKey)).base64EncodedString()
            let serverKey = Data(HMAC<SHA256>.authenticationCode(for: Array("Server Key".utf8), using: salted))
                .base64EncodedString()
            let verifier = "SCRAM-SHA-256$1024:\(Data(salt).base64EncodedString())$\(storedKey):\(serverKey)"
            _ = try server.superuserQuery("ALTER ROLE \(role) PASSWORD '\(verifier)'")
            #expect(try self.verifier(of: role).iterations == 1024)
            let report = try await engine.ping(try server.payload(user: role, password: password))
            #expect(report.ok, "\(report.summary)")
        }
    }

    @Test func aWrongPasswordIsTheServersRefusal() async throws {
        try await withRole(password: "pw-\(UUID().uuidString)") { role in
            let wrong = "Wrong-Planted-\(UUID().uuidString)"
            let report = try await engine.ping(try server.payload(user: role, password: wrong))
            #expect(report.category == .auth, "\(report.summary)")
            #expect(report.message?.contains("password") == true, "\(report.summary)")
            #expect(!report.summary.contains(wrong))
        }
    }
}
