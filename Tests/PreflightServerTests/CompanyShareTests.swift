import Foundation
import HTTPTypes
import HummingbirdTesting
import PreflightCore
import PreflightNetwork
import Testing

/// One company cannot take every place: past its share (a quarter of the service's by default) its
/// pings get 429, while another company's still run.
@Suite("POST /connectors/ping: a company's share of the places")
struct CompanyShareTests {
    /// Pings that wait until their deadline.
    struct Hangs: ProbeFactory {
        var types: Set<ConnectorType> { [.redis] }
        func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any PreflightNetwork.Probe { Waits() }
        struct Waits: PreflightNetwork.Probe {
            var target: PingTarget { PingTarget(host: "hang.invalid", port: 1) }
            func run(in context: ProbeContext) async throws(ProbeFailure) {
                try await context.step(.connect, "waiting") { _ in try? await Task.sleep(for: .seconds(30)) }
            }
        }
    }

    @Test func aCompanyPastItsShareGets429AndOthersStillRun() async throws {
        try await withTestAPI(maxInFlight: 8, factories: [Hangs()]) { client, context in
            let body = #"{"type": "redis", "timeoutSeconds": 2}"#
            async let first = client.ping(body, headers: context.auth)
            async let second = client.ping(body, headers: context.auth)
            for _ in 0..<400 where context.engine.pingsInFlight < 2 { try await Task.sleep(for: .milliseconds(5)) }
            #expect(context.engine.pingsInFlight == 2)
            let third = try await client.ping(body, headers: context.auth)
            #expect(third.status == .tooManyRequests)
            #expect(third.headers[.retryAfter] == "1")
            let expected = "too many pings of this company are running at once (its share of this service is 2)"
            #expect(third.text.contains(expected), "\(third.text)")
            let other = try await context.store.createCompany(name: "Other Co")
            let otherKey = try await context.store.issueKey(for: other.uuid).secret
            let fromOther = try await client.ping(body, headers: [.authorization: "Bearer \(otherKey)"])
            #expect(fromOther.status == .ok, "another company was turned away: \(fromOther.text)")
            #expect(try await first.status == .ok)
            #expect(try await second.status == .ok)
        }
    }
}
