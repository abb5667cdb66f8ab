import Foundation
import PreflightTestSupport
import Testing

@testable import PreflightStore

@Suite("PostgreSQL specifics", .timeLimit(.minutes(1)))
struct PostgresStoreTests {
    static let password = "Secr3t-Passw0rd-XYZ"

    @Test("an unreachable server is a clear error without the password")
    func unreachable() async {
        let port = closedPort()
        let location = StoreLocation.postgres(
            url: "postgres://app:\(Self.password)@127.0.0.1:\(port)/preflight?sslmode=disable")
        let error = await #expect(throws: StoreError.self) {
            try await StoreFactory.open(location, logger: quietLogger)
        }
        #expect(error?.kind == .connectionFailed)
        #expect(error?.message.contains("127.0.0.1:\(port)") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("app:***@") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(Self.password) == false)
    }

    @Test(
        "a missing database is a clear error without the password",
        .enabled(if: PostgresTestEnvironment.isConfigured, "no PostgreSQL test cluster"))
    func missingDatabase() async throws {
        var url = try PostgresTestEnvironment.serverURL()
        url.database = "preflight_store_missing_\(UUID().uuidString.prefix(8).lowercased())"
        let text = url.connectionURLForTests.replacingOccurrences(
            of: "://\(url.username)@", with: "://\(url.username):\(Self.password)@")
        let error = await #expect(throws: StoreError.self) {
            try await StoreFactory.open(.postgres(url: text), logger: quietLogger)
        }
        #expect(error?.kind == .connectionFailed)
        #expect(error?.message.contains("does not exist") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("3D000") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(Self.password) == false)
    }

    @Test(
        "database names for administration are checked",
        arguments: [
            ("preflight_store_test_0a1b", true), ("_x", true), ("a", true),
            ("", false), ("1abc", false), ("Upper", false), ("a-b", false), ("a\"; DROP DATABASE x; --", false),
            (String(repeating: "a", count: 64), false),
        ])
    func safeIdentifiers(_ name: String, _ safe: Bool) {
        #expect(PostgresAdmin.isSafeIdentifier(name) == safe)
    }
}
