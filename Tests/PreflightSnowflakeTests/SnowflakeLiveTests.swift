import Foundation
import PreflightCore
import PreflightTestSupport
import Testing

/// Against a real Snowflake account, only when one is configured (a cloud service: no server script can
/// start it, so `PREFLIGHT_REQUIRE_INTEGRATION` does not demand it). Variables:
/// `PREFLIGHT_LIVE_SNOWFLAKE_ACCOUNT`, `_USER`, `_WAREHOUSE`, `_PRIVATE_KEY_FILE` (PKCS#8 PEM) or `_PASSWORD`,
/// optional `_ROLE`.
@Suite("Snowflake live account (opt-in)")
struct SnowflakeLiveTests {
    static var configured: Bool {
        ["ACCOUNT", "USER", "WAREHOUSE"].allSatisfy { TestEnvironment.value("PREFLIGHT_LIVE_SNOWFLAKE_\($0)") != nil }
            && (TestEnvironment.value("PREFLIGHT_LIVE_SNOWFLAKE_PRIVATE_KEY_FILE") != nil
                || TestEnvironment.value("PREFLIGHT_LIVE_SNOWFLAKE_PASSWORD") != nil)
    }

    @Test("a configured account answers ok", .enabled(if: configured))
    func live() async throws {
        let key = try TestEnvironment.value("PREFLIGHT_LIVE_SNOWFLAKE_PRIVATE_KEY_FILE").map {
            try String(contentsOfFile: $0, encoding: .utf8)
        }
        let payload = SnowflakeTesting.payload(
            accountIdentifier: TestEnvironment.value("PREFLIGHT_LIVE_SNOWFLAKE_ACCOUNT"),
            warehouse: TestEnvironment.value("PREFLIGHT_LIVE_SNOWFLAKE_WAREHOUSE"),
            username: TestEnvironment.value("PREFLIGHT_LIVE_SNOWFLAKE_USER"),
            privateKey: key, password: key == nil ? TestEnvironment.value("PREFLIGHT_LIVE_SNOWFLAKE_PASSWORD") : nil,
            role: TestEnvironment.value("PREFLIGHT_LIVE_SNOWFLAKE_ROLE"), caPEM: nil)
        let report = try await SnowflakeTesting.ping(SnowflakeTesting.engine(timeout: .seconds(20)), payload)
        print("snowflake live: \(report.summary) in \(report.durationMs) ms")
        #expect(report.ok, "\(report.summary)")
    }
}
