import Foundation
import PreflightCore
import PreflightEngine
import PreflightProbeTesting
import Testing

@Suite("PingEngine: admission, validation and redaction")
struct EngineAdmissionTests {
    /// A fresh engine per test (tests run in parallel; a shared one would count their pings together).
    static var engine: PingEngine { EngineDeadlineTests.engine(ManualPingClock()) }

    @Test func maxInFlightIsAHardLimit() {
        let engine = EngineDeadlineTests.engine(ManualPingClock(), maxInFlight: 2)
        #expect(engine.acquire())
        #expect(engine.acquire())
        #expect(!engine.acquire(), "a third ping was admitted with maxInFlight 2")
        #expect(engine.pingsInFlight == 2)
    }

    @Test func releaseGivesThePlaceBack() {
        let engine = EngineDeadlineTests.engine(ManualPingClock(), maxInFlight: 1)
        #expect(engine.acquire())
        engine.release()
        #expect(engine.pingsInFlight == 0)
        #expect(engine.acquire())
    }

    @Test func aFullEngineTurnsPingsAway() async throws {
        let clock = ManualPingClock()
        let engine = EngineDeadlineTests.engine(clock, maxInFlight: 1)
        let hanging = Task { try await engine.ping(EngineDeadlineTests.payload("hang")) }
        try await EngineDeadlineTests.waitUntil { clock.sleeperCount == 1 }
        do {
            _ = try await engine.ping(EngineDeadlineTests.payload("pass"))
            Issue.record("a second ping ran with maxInFlight 1")
        } catch {
            guard case .overloaded(let seconds) = error else {
                Issue.record("expected overloaded, got \(error)")
                return
            }
            #expect(seconds == 1)
        }
        clock.advance(by: .seconds(3))
        _ = try await hanging.value
        #expect(engine.pingsInFlight == 0)
    }

    @Test func aTypeWithoutAFactoryAttemptsNothing() async throws {
        let report = try await Self.engine.ping(
            ConnectorPayload(type: .oracle, sharedConfig: SharedConfig(strings: ["password": "planted-Secret-9876"])))
        #expect(report.category == .unsupported)
        #expect(report.transient == false)
        #expect(report.steps.isEmpty)
        #expect(report.type == .oracle)
        #expect(report.hint == "types tested today: redis")
        #expect(report.message?.contains("Oracle (oracle)") == true)
    }

    @Test func invalidPayloadsAreRejectedBeforeRunning() async {
        let cases: [(ConnectorPayload, String)] = [
            (EngineDeadlineTests.payload("dance"), "sharedConfig.script must be"),
            (
                ConnectorPayload(
                    type: .redis, sharedConfig: SharedConfig(strings: ["script": "pass"]), dataPlaneName: "elsewhere"),
                "unknown dataPlaneName \"elsewhere\"; known planes: local"
            ),
            (
                ConnectorPayload(
                    type: .redis, sharedConfig: SharedConfig(strings: ["script": "pass"]), sshTunnelUUID: UUID()),
                "is not an SSH tunnel of this company"
            ),
        ]
        let engine = Self.engine
        await ProbeTesting.expectInvalid(engine, cases)
        #expect(engine.pingsInFlight == 0)
    }

    @Test func configuredAndRunTimeSecretsAreMaskedInTheReport() async throws {
        let password = "planted-Pass/word+9876="
        let failed = try await Self.engine.ping(
            EngineDeadlineTests.payload("fail", extra: ["password": password]))
        #expect(failed.category == .auth)
        let failedJSON = String(decoding: try JSONEncoder().encode(failed), as: UTF8.self)
        #expect(!failedJSON.contains("planted-Pass"), "\(failedJSON)")
        #expect(failed.message?.contains("password") == true)

        let token = "runtime-Token-5555"
        let leaked = try await Self.engine.ping(EngineDeadlineTests.payload("leak", extra: ["token": token]))
        #expect(leaked.ok)
        let step = try #require(leaked.step("oauth_token"))
        #expect(step.detail?.contains(token) == false, "\(step.detail ?? "")")
    }
}
