import Foundation
import PreflightCore
import PreflightEngine
import PreflightEventsAPI
import PreflightProbeTesting
import Testing

/// `api` (Artie's Events API source): nothing is dialled, and the ping says so instead of faking a connection.
struct EventsAPIProbeTests {
    let engine = ProbeTesting.engine([EventsAPIProbeFactory()])

    func payload(_ config: [String: JSONValue] = [:], tunnel: UUID? = nil) -> ConnectorPayload {
        ConnectorPayload(type: .api, sharedConfig: SharedConfig(config), sshTunnelUUID: tunnel)
    }

    @Test func passesWithOneSkippedStepThatSaysWhy() async throws {
        let report = try await ProbeTesting.ping(engine, payload())
        #expect(report.ok, "\(report.summary)")
        #expect(report.category == nil)
        #expect(report.steps.map(\.name) == ["connect"])
        let step = try #require(report.steps.first)
        #expect(step.status == .skipped)
        #expect(step.detail?.contains("nothing to dial") == true, "\(step.detail ?? "")")
        #expect(step.detail?.contains("Events API") == true)
        #expect(report.checks.isEmpty)
    }

    /// Terraform sends every key of every type with its zero value: those are not "keys given".
    @Test func zeroValuesOfOtherTypesKeysAreIgnored() async throws {
        let zeros: [String: JSONValue] = [
            "host": .string(""), "port": .number(0), "user": .string(" "), "password": .null,
            "isInsecure": .bool(false), "addresses": .array([]), "tlsMode": .string(""), "options": .object([:]),
        ]
        let report = try await ProbeTesting.ping(engine, payload(zeros))
        #expect(report.ok, "\(report.summary)")
    }

    @Test func aKeyWithAValueIsA400NamingIt() async {
        await ProbeTesting.expectInvalid(
            engine,
            [
                (payload(["host": .string("events.example.com")]), "sharedConfig.host is not used by api"),
                (
                    payload(["port": .number(443), "password": .string("planted-api-pw"), "user": .string("")]),
                    "sharedConfig.password, sharedConfig.port are not used by api"
                ),
                (payload(["isInsecure": .bool(true)]), "remove it"),
            ])
    }

    /// Checked by the factory, once the engine has found the company's tunnel.
    @Test func aTunnelIsRefused() throws {
        #expect(throws: InvalidConfig.self) { try EventsAPIProbeFactory().makeProbe(for: payload(tunnel: UUID())) }
        do {
            _ = try EventsAPIProbeFactory().makeProbe(for: payload(tunnel: UUID()))
        } catch {
            #expect(error.message.contains("sshTunnelUUID is not used by api"), "\(error.message)")
        }
    }

    @Test func theRefusalNeverQuotesTheValue() async {
        do {
            _ = try await engine.ping(payload(["password": .string("planted-api-pw-9")]))
            Issue.record("expected invalid")
        } catch {
            #expect(!"\(error)".contains("planted-api-pw-9"))
        }
    }
}
