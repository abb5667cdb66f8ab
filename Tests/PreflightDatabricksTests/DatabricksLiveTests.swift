import Foundation
import PreflightCore
import PreflightTestSupport
import Testing

/// Against a real Databricks workspace, only when one is configured (a cloud service: no server script
/// can start it, so `PREFLIGHT_REQUIRE_INTEGRATION` does not demand it). Variables:
/// `PREFLIGHT_LIVE_DATABRICKS_HOST`, `_HTTP_PATH`, `_TOKEN` or `_CLIENT_ID` + `_CLIENT_SECRET`, optional `_VOLUME`.
@Suite("Databricks live workspace (opt-in)")
struct DatabricksLiveTests {
    static var configured: Bool {
        TestEnvironment.value("PREFLIGHT_LIVE_DATABRICKS_HOST") != nil
            && TestEnvironment.value("PREFLIGHT_LIVE_DATABRICKS_HTTP_PATH") != nil
            && (TestEnvironment.value("PREFLIGHT_LIVE_DATABRICKS_TOKEN") != nil
                || TestEnvironment.value("PREFLIGHT_LIVE_DATABRICKS_CLIENT_SECRET") != nil)
    }

    @Test("a configured workspace answers ok", .enabled(if: configured))
    func live() async throws {
        let token = TestEnvironment.value("PREFLIGHT_LIVE_DATABRICKS_TOKEN")
        let payload = DatabricksTesting.payload(
            host: TestEnvironment.value("PREFLIGHT_LIVE_DATABRICKS_HOST"),
            httpPath: TestEnvironment.value("PREFLIGHT_LIVE_DATABRICKS_HTTP_PATH"),
            pat: token,
            clientID: token == nil ? TestEnvironment.value("PREFLIGHT_LIVE_DATABRICKS_CLIENT_ID") : nil,
            clientSecret: token == nil ? TestEnvironment.value("PREFLIGHT_LIVE_DATABRICKS_CLIENT_SECRET") : nil,
            volume: TestEnvironment.value("PREFLIGHT_LIVE_DATABRICKS_VOLUME"), caPEM: nil)
        let report = try await DatabricksTesting.ping(DatabricksTesting.engine(timeout: .seconds(20)), payload)
        print("databricks live: \(report.summary) in \(report.durationMs) ms")
        #expect(report.ok, "\(report.summary)")
    }
}
