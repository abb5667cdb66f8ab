import Foundation
import PreflightCore
import Testing

@Suite("FailureCategory")
struct FailureCategoryTests {
    /// Clients switch on these strings: the list is exact, in order, and never changes.
    @Test func rawValuesAreExactlyTheDocumentedVocabulary() {
        #expect(
            FailureCategory.allCases.map(\.rawValue) == [
                "invalid_config", "dns", "egress_denied", "refused", "timeout", "unreachable", "ssh", "tls",
                "protocol_mismatch", "auth", "database_not_found", "permission", "cdc_not_ready", "server_unavailable",
                "unsupported", "internal", "data_plane_unavailable",
            ])
    }

    @Test func encodesAsItsRawValue() throws {
        let data = try JSONEncoder().encode([FailureCategory.protocolMismatch, .internalError, .egressDenied])
        #expect(String(decoding: data, as: UTF8.self) == #"["protocol_mismatch","internal","egress_denied"]"#)
        #expect(try JSONDecoder().decode(FailureCategory.self, from: Data(#""cdc_not_ready""#.utf8)) == .cdcNotReady)
    }

    @Test func transience() {
        #expect(
            Set(FailureCategory.allCases.filter(\.isTransient)) == [
                .timeout, .unreachable, .serverUnavailable, .refused, .internalError, .dataPlaneUnavailable,
            ])
    }

    @Test func reachedServer() {
        #expect(
            Set(FailureCategory.allCases.filter(\.reachedServer)) == [
                .auth, .databaseNotFound, .permission, .cdcNotReady, .serverUnavailable, .tls, .protocolMismatch,
                .unsupported,
            ])
    }

    @Test func reportEncodesCategoryAndOmitsNothingNeeded() throws {
        let report = PingReport(
            ok: false, type: .postgresql, category: .refused, transient: true, message: "m",
            durationMs: 1.5, dataPlane: "local")
        let object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
        #expect(object["category"] as? String == "refused")
        #expect(object["ok"] as? Bool == false)
        #expect(object["transient"] as? Bool == true)
        let decoded = try JSONDecoder().decode(PingReport.self, from: JSONEncoder().encode(report))
        #expect(decoded == report)
    }
}
