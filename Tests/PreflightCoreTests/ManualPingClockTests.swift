import PreflightCore
import Testing

@Suite("ManualPingClock")
struct ManualPingClockTests {
    @Test func sleepersWakeInOrderWhenTimeReachesThem() async throws {
        let clock = ManualPingClock()
        let early = Task { try await clock.sleep(until: .seconds(1)) }
        let late = Task { try await clock.sleep(until: .seconds(3)) }
        for _ in 0..<1000 where clock.sleeperCount < 2 { try await Task.sleep(for: .milliseconds(2)) }
        #expect(clock.sleeperCount == 2)
        clock.advance(by: .seconds(1))
        try await early.value
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .seconds(2))
        try await late.value
        #expect(clock.sleeperCount == 0)
        #expect(clock.now == .seconds(3))
    }

    @Test func aPastInstantReturnsAtOnce() async throws {
        let clock = ManualPingClock()
        clock.advance(by: .seconds(5))
        try await clock.sleep(until: .seconds(2))
        #expect(clock.sleeperCount == 0)
    }

    @Test func cancellingASleeperRemovesItAndThrows() async throws {
        let clock = ManualPingClock()
        let sleeper = Task { try await clock.sleep(until: .seconds(60)) }
        for _ in 0..<1000 where clock.sleeperCount < 1 { try await Task.sleep(for: .milliseconds(2)) }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleeperCount == 0)
    }

    @Test func aTraceMeasuresStepsOnItsClock() {
        let clock = ManualPingClock()
        let trace = PingTrace(clock: clock)
        trace.begin(.connect, activity: "connecting")
        clock.advance(by: .milliseconds(250))
        trace.end(.connect, status: .passed)
        let steps = trace.seal().steps
        #expect(steps.first?.durationMs == 250)
    }
}
