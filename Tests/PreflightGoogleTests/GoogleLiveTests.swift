import Foundation
import PreflightCore
import PreflightTestSupport
import Testing
import _CryptoExtras

/// Pings against real Google, for a developer with a test service account. No server script can stand
/// in for Google, so these run only when the variables are set (`PREFLIGHT_REQUIRE_INTEGRATION` does not
/// demand them):
/// - `PREFLIGHT_TEST_GOOGLE_CREDENTIALS_FILE`: a service-account key file;
/// - `PREFLIGHT_TEST_GOOGLE_PROJECT`: a project where the account may list datasets and buckets and create jobs;
/// - optional `PREFLIGHT_TEST_GOOGLE_DATASET` with `PREFLIGHT_TEST_GOOGLE_LOCATION` (its location), and
///   `PREFLIGHT_TEST_GOOGLE_BUCKET` (a bucket where it holds list, get and create).
@Suite(.serialized, .enabled(if: GoogleLive.configured)) struct GoogleLiveTests {
    @Test func bigQuery() async throws {
        var extra: [String: String] = [:]
        extra["dataset"] = TestEnvironment.value("PREFLIGHT_TEST_GOOGLE_DATASET")
        extra["location"] = TestEnvironment.value("PREFLIGHT_TEST_GOOGLE_LOCATION")
        let report = try await GoogleTesting.ping(
            GoogleTesting.engine(timeout: .seconds(15)), try GoogleLive.payload(.bigquery, extra: extra))
        #expect(report.ok, "\(report.summary)")
    }

    @Test func storage() async throws {
        var extra: [String: String] = [:]
        extra["bucket"] = TestEnvironment.value("PREFLIGHT_TEST_GOOGLE_BUCKET")
        let report = try await GoogleTesting.ping(
            GoogleTesting.engine(timeout: .seconds(15)), try GoogleLive.payload(.gcs, extra: extra))
        #expect(report.ok, "\(report.summary)")
    }

    @Test func aKeyGoogleHasNotSeenIsRefused() async throws {
        // The real account and key id, signed with a key generated here: Google answers "Invalid JWT Signature.".
        var payload = try GoogleLive.payload(.bigquery)
        let file = try #require(JSONValue.parse(Array(try GoogleLive.credentials().utf8))?.objectValue)
        var forged = file
        forged["private_key"] = .string(GoogleTestKeys.other.pkcs8PEMRepresentation)
        payload.sharedConfig["credentialsData"] = .string(
            String(decoding: JSONValue.object(forged).encodedBytes(), as: UTF8.self))
        let report = try await GoogleTesting.ping(GoogleTesting.engine(timeout: .seconds(15)), payload)
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.message?.contains("invalid_grant") == true, "\(report.summary)")
    }
}

enum GoogleLive {
    static var configured: Bool {
        TestEnvironment.value("PREFLIGHT_TEST_GOOGLE_CREDENTIALS_FILE") != nil
            && TestEnvironment.value("PREFLIGHT_TEST_GOOGLE_PROJECT") != nil
    }

    static func credentials() throws -> String {
        let path = try #require(TestEnvironment.value("PREFLIGHT_TEST_GOOGLE_CREDENTIALS_FILE"))
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    static func payload(_ type: ConnectorType, extra: [String: String] = [:]) throws -> ConnectorPayload {
        GoogleTesting.payload(
            type: type, projectID: TestEnvironment.value("PREFLIGHT_TEST_GOOGLE_PROJECT"),
            credentials: try credentials(), extra: extra)
    }
}
