import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PreflightCore
import PreflightProbeTesting
import PreflightProbes
import PreflightTestSupport
import Testing

/// For every type this build probes: every secret key of its description gets a planted value, the other
/// keys plausible values aimed at a closed port on this machine, and the ping goes through the API as a
/// plain request, as `?verbose=true` and as an event stream. No planted value may appear, in any form a
/// client or a log could carry it, in a response body or in any log line (the server logs at trace here).
@Suite("Planted secrets of every type, through the API")
struct EveryTypeLeakTests {
    @Test func noPlantedSecretReachesAResponseOrALog() async throws {
        let port = closedPort()
        try await withTestAPI(defaultTimeout: .seconds(3), factories: ProbeRegistry.builtIn) { client, context in
            var secrets: [String] = []
            var answered: [String: Int] = [:]
            for description in ProbeRegistry.descriptions where description.probed {
                let (body, planted) = PlantedSecrets.payload(for: description, port: port)
                secrets += planted
                for (query, accept) in [("", nil), ("?verbose=true", nil), ("", "text/event-stream")] {
                    var headers = context.auth
                    if let accept { headers[.accept] = accept }
                    let response = try await client.ping(body, headers: headers, query: query)
                    answered["\(description.type.rawValue) \(response.status.code)", default: 0] += 1
                    if query == "?verbose=true",
                        let report = try? JSONDecoder().decode(
                            WireResponse.self, from: Data(response.text.utf8)
                        ).report, let target = report.target
                    {
                        #expect(
                            target.host == "127.0.0.1" || target.host.isEmpty,
                            "\(description.type) aimed at \(target.host): tests dial only this machine")
                    }
                    #expect(response.status != .internalServerError, "\(description.type): \(response.text)")
                    for secret in secrets {
                        for form in ProbeTesting.forms(of: secret) {
                            #expect(
                                !response.text.contains(form),
                                "\(description.type) \(query) \(accept ?? ""): a form of a planted secret in \(response.text)"
                            )
                        }
                    }
                }
            }
            let lines = context.logs.lines
            #expect(lines.count > 0)
            for secret in secrets {
                for form in ProbeTesting.forms(of: secret) {
                    let leaked = lines.filter { $0.contains(form) }
                    #expect(leaked.isEmpty, "a planted secret in the log: \(leaked.prefix(3))")
                }
            }
            // Most types got past validation to a ping (200 with a report), not only 400s.
            let pinged = answered.filter { $0.key.hasSuffix(" 200") }.count
            #expect(pinged >= 8, "\(answered.sorted { $0.key < $1.key })")
        }
    }
}
