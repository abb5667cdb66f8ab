import Foundation
import PreflightCore
import PreflightEngine
import Testing

/// Engine tests on a manual clock: the deadline is decided by the injected clock alone, so these
/// say exactly when a ping ends, however loaded the machine is.
@Suite("PingEngine: the deadline, on an injected clock")
struct EngineDeadlineTests {
    static func engine(_ clock: ManualPingClock, timeout: Duration = .seconds(3), maxInFlight: Int = 16) -> PingEngine {
        PingEngine(
            configuration: EngineConfiguration(defaultTimeout: timeout, maxInFlight: maxInFlight, clock: clock),
            factories: [ScriptedProbeFactory()])
    }

    static func payload(_ script: String, timeoutSeconds: Double? = nil, extra: [String: String] = [:])
        -> ConnectorPayload
    {
        var strings = ["script": script]
        strings.merge(extra) { $1 }
        return ConnectorPayload(
            type: .redis, sharedConfig: SharedConfig(strings: strings), timeoutSeconds: timeoutSeconds)
    }

    /// Starts a hanging ping, waits until the engine sleeps on the clock, then moves time.
    static func hangAndAdvance(
        _ engine: PingEngine, _ clock: ManualPingClock, _ payload: ConnectorPayload, by steps: [Duration]
    ) async throws -> PingReport {
        let ping = Task { try await engine.ping(payload) }
        try await waitUntil { clock.sleeperCount == 1 }
        for step in steps { clock.advance(by: step) }
        return try await ping.value
    }

    /// Polls `condition` (real time, bounded) for state that another task sets up.
    static func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<2000 where !condition() { try await Task.sleep(for: .milliseconds(5)) }
        #expect(condition(), "the condition never became true")
    }

    @Test func aHangingStepIsReportedAsTheOneThatTimedOutExactlyAtTheDeadline() async throws {
        let clock = ManualPingClock()
        let report = try await Self.hangAndAdvance(Self.engine(clock), clock, Self.payload("hang"), by: [.seconds(3)])
        #expect(report.category == .timeout)
        #expect(report.transient == true)
        #expect(report.durationMs == 3000)
        #expect(report.message == "timed out after 3 s connecting to scripted.invalid:1")
        #expect(
            report.hint
                == "open the firewall; if a firewall or security group filters by source, allow connections from this service's outbound address (its operator can declare it with serve --egress-ips)"
        )
        let step = try #require(report.step(.connect))
        #expect(step.status == .failed)
        #expect(step.durationMs == 3000)
        #expect(step.detail == "no answer within the ping's 3 s deadline")
    }

    @Test func aConnectTimeoutNamesTheAddressesToAllowlist() async throws {
        let clock = ManualPingClock()
        let engine = PingEngine(
            configuration: EngineConfiguration(
                defaultTimeout: .seconds(3), clock: clock, egressAddresses: ["203.0.113.7", "203.0.113.8"]),
            factories: [ScriptedProbeFactory()])
        let report = try await Self.hangAndAdvance(engine, clock, Self.payload("hang"), by: [.seconds(3)])
        #expect(
            report.hint?.hasSuffix(
                "allow connections from 203.0.113.7, 203.0.113.8 (this service's outbound addresses)") == true,
            "\(report.hint ?? "")")
        #expect(report.errorText?.contains("203.0.113.7") == true)
    }

    @Test func theDeadlineDoesNotStrikeBeforeItsTime() async throws {
        let clock = ManualPingClock()
        let engine = Self.engine(clock)
        let ping = Task { try await engine.ping(Self.payload("hang")) }
        try await Self.waitUntil { clock.sleeperCount == 1 }
        clock.advance(by: .milliseconds(2999))
        try await Task.sleep(for: .milliseconds(50))
        #expect(engine.pingsInFlight == 1, "the ping ended before its deadline")
        clock.advance(by: .milliseconds(1))
        let report = try await ping.value
        #expect(report.category == .timeout)
        #expect(report.durationMs == 3000)
        #expect(engine.pingsInFlight == 0)
    }

    @Test func timeoutSecondsShortensTheDeadline() async throws {
        let clock = ManualPingClock()
        let report = try await Self.hangAndAdvance(
            Self.engine(clock), clock, Self.payload("hang", timeoutSeconds: 0.5), by: [.milliseconds(500)])
        #expect(report.category == .timeout)
        #expect(report.durationMs == 500)
        #expect(report.message?.hasPrefix("timed out after 500 ms") == true, "\(report.message ?? "")")
    }

    /// Asked for 600 s, the ping still ends when the clock reaches the engine's 3 s: the test moves the
    /// clock to 3 s only, and the ping must be over then (were the deadline 600 s, it would still be
    /// running; the clock is then moved on so that the test fails instead of hanging).
    @Test func timeoutSecondsNeverLengthensTheDeadline() async throws {
        let clock = ManualPingClock()
        let engine = Self.engine(clock)
        let ping = Task { try await engine.ping(Self.payload("hang", timeoutSeconds: 600)) }
        try await Self.waitUntil { clock.sleeperCount == 1 }
        clock.advance(by: .milliseconds(2999))
        try await Task.sleep(for: .milliseconds(50))
        #expect(engine.pingsInFlight == 1, "the ping ended before the 3 s deadline")
        clock.advance(by: .milliseconds(1))
        try await Self.waitUntil { engine.pingsInFlight == 0 }
        #expect(clock.now == .seconds(3))
        if engine.pingsInFlight > 0 { clock.advance(by: .seconds(600)) }
        let report = try await ping.value
        #expect(report.category == .timeout)
        #expect(report.durationMs == 3000)
        #expect(report.message?.hasPrefix("timed out after 3 s") == true, "\(report.message ?? "")")
    }

    /// `ConnectorPayload.decode` accepts any positive finite `timeoutSeconds`, e.g. 1e300. It must
    /// clamp to the default, not trap (the conversion to Int64 used to come before the clamp).
    @Test func hugeTimeoutSecondsIsClampedNotACrash() async throws {
        let clock = ManualPingClock()
        let payload = try ConnectorPayload.decode(
            json: Data(#"{"type": "redis", "timeoutSeconds": 1e300, "sharedConfig": {"script": "hang"}}"#.utf8))
        let report = try await Self.hangAndAdvance(Self.engine(clock), clock, payload, by: [.seconds(3)])
        #expect(report.durationMs == 3000)
    }

    @Test func stepDurationsComeFromTheInjectedClock() async throws {
        let clock = ManualPingClock()
        let report = try await Self.engine(clock).ping(Self.payload("pass"))
        #expect(report.ok)
        #expect(report.durationMs == 0)
        #expect(report.step(.connect)?.durationMs == 0)
    }
}
