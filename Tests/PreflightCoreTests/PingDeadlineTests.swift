import PreflightCore
import Testing

@Suite("PingDeadline and Duration")
struct PingDeadlineTests {
    @Test func totalAndRemaining() {
        let clock = ManualPingClock()
        let deadline = PingDeadline(clock: clock, timeout: .seconds(5))
        #expect(deadline.total == .seconds(5))
        #expect(deadline.remaining == .seconds(5))
        #expect(!deadline.hasExpired)
        #expect(deadline.elapsedMs == 0)
        clock.advance(by: .milliseconds(1500))
        #expect(deadline.remaining == .milliseconds(3500))
        #expect(deadline.elapsedMs == 1500)
    }

    @Test func expiredDeadline() {
        let clock = ManualPingClock()
        let deadline = PingDeadline(clock: clock, timeout: .seconds(3))
        clock.advance(by: .seconds(10))
        #expect(deadline.hasExpired)
        #expect(deadline.remaining == .zero)
        #expect(deadline.budget(atMost: .seconds(5)) == .zero)
        #expect(deadline.elapsedMs == 10_000)
        #expect(PingDeadline(clock: clock, timeout: .zero).hasExpired)
    }

    @Test func budgetIsTheSmallerOfLimitAndRemaining() {
        let clock = ManualPingClock()
        let deadline = PingDeadline(clock: clock, timeout: .seconds(60))
        #expect(deadline.budget(atMost: .seconds(5)) == .seconds(5))
        let short = PingDeadline(clock: clock, timeout: .seconds(2))
        #expect(short.budget(atMost: .seconds(5)) == .seconds(2))
        clock.advance(by: .milliseconds(500))
        #expect(short.budget(atMost: .seconds(5)) == .milliseconds(1500))
    }

    @Test func theSystemClockMovesForward() async throws {
        let deadline = PingDeadline(timeout: .seconds(5))
        #expect(deadline.remaining <= .seconds(5))
        #expect(!deadline.hasExpired)
        try await Task.sleep(for: .milliseconds(20))
        #expect(deadline.elapsedMs >= 20)
    }

    @Test func durationConversions() {
        #expect(Duration.seconds(2).milliseconds == 2000)
        #expect(Duration.milliseconds(1500).seconds == 1.5)
        #expect(Duration.microseconds(250).milliseconds == 0.25)
    }

    @Test(
        "humanDescription",
        arguments: [
            (Duration.zero, "0 ms"), (.milliseconds(1), "1 ms"), (.milliseconds(850), "850 ms"),
            (.microseconds(849_600), "850 ms"),
            (.milliseconds(1000), "1 s"), (.milliseconds(1050), "1.1 s"), (.milliseconds(4200), "4.2 s"),
            (.seconds(3), "3 s"),
            (.seconds(15), "15 s"), (.milliseconds(2750), "2.8 s"), (.seconds(90), "90 s"),
        ])
    func humanDescription(_ duration: Duration, _ expected: String) {
        #expect(duration.humanDescription == expected)
    }

    /// Just under a second rounds up to 1000 ms; it should read "1 s" (the same as a full second), never "1000 ms".
    @Test func humanDescriptionJustUnderASecond() {
        #expect(Duration.microseconds(999_700).humanDescription == "1 s")
    }
}
