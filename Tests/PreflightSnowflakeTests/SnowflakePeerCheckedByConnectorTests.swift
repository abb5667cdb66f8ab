import Foundation
import PreflightCore
import PreflightTestSupport
import Testing

/// FakeSnowflake read by Snowflake's own Python connector before the probe's tests against it mean
/// anything: password login over the session API (and Snowflake's 390100 refusal), the destination
/// readiness statements' result sets through a cursor, a refused SHOW, and the logout.
@Suite struct SnowflakePeerCheckedByConnectorTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/peers/snowflake_connector_check.py").path

    @Test func theConnectorReadsThePeer() async throws {
        let fake = SnowflakeTesting.fake()
        let server = try await SnowflakeTesting.start(fake)
        defer { Task { await server.stop() } }
        let ca = FileManager.default.temporaryDirectory.appendingPathComponent("sf-ca-\(UUID().uuidString).pem")
        try TestPKI.caPEM.write(to: ca, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: ca) }
        let run = try await IndependentVerifier.python([
            Self.script, "127.0.0.1", String(server.port), SnowflakeTesting.account, "loader",
            SnowflakeTesting.password, ca.path,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let seen = try #require(JSONValue.parse(Array(run.stdout.utf8)), "\(run.stdout) \(run.stderr)")
        #expect(seen["wrong_password"]?.intValue == 390100)
        #expect(seen["grant_columns"]?.arrayValue?.count == 8)
        #expect(seen["grants"]?.arrayValue?.contains(.string("CREATE SCHEMA DATABASE ANALYTICS")) == true)
        #expect(seen["grants"]?.arrayValue?.contains(.string("USAGE WAREHOUSE LOADING_WH")) == true)
        #expect(seen["warehouse"]?["state"]?.stringValue == "STARTED")
        #expect(seen["warehouse"]?["auto_resume"]?.stringValue == "true")
        #expect(seen["other_role"]?.intValue == 3001)
        #expect(fake.openSessions == 0, "the connector logged out")
    }
}
