import Foundation
import PreflightCore
import PreflightEngine
import PreflightEventsAPI
import PreflightProbeTesting
import Testing

/// `api` is only ever a source: a destination role changes nothing but is not an error either, as
/// for the other source-only types.
struct EventsAPIDestinationTests {
    @Test func aDestinationRoleStillPasses() async throws {
        var payload = ConnectorPayload(type: .api, sharedConfig: SharedConfig())
        payload.connectionRole = "destination"
        let report = try await ProbeTesting.ping(ProbeTesting.engine([EventsAPIProbeFactory()]), payload)
        #expect(report.ok, "\(report.summary)")
    }
}
