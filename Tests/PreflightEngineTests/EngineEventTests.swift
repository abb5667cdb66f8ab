import Foundation
import PreflightCore
import PreflightEngine
import Synchronization
import Testing

/// The events a ping emits as it runs (for the API's event stream and the CLI on a terminal), and a ping
/// whose caller goes away.
@Suite("PingEngine: live events and cancellation")
struct EngineEventTests {
    /// Collects events from any thread.
    final class Events: Sendable {
        let list = Mutex<[PingEvent]>([])
        var all: [PingEvent] { list.withLock { $0 } }
        func add(_ event: PingEvent) { list.withLock { $0.append(event) } }
        var ended: [PingStep] {
            all.compactMap { if case .stepEnded(let step) = $0 { step } else { nil } }
        }
    }

    @Test func eachStepStartsThenEndsAsInTheReport() async throws {
        let events = Events()
        let engine = EngineDeadlineTests.engine(ManualPingClock())
        let report = try await engine.ping(EngineDeadlineTests.payload("pass"), events: events.add)
        #expect(report.ok)
        #expect(events.all.first == .stepStarted(name: "connect", activity: "connecting"))
        #expect(events.ended == report.steps, "the events end with the report's steps, in order")
        #expect(events.all.count == 2)
    }

    @Test func eventsAreRedactedLikeTheReport() async throws {
        let events = Events()
        let engine = EngineDeadlineTests.engine(ManualPingClock())
        let planted = "Planted/Event+Pw=\"é"
        let failed = try await engine.ping(
            EngineDeadlineTests.payload("fail", extra: ["password": planted]), events: events.add)
        #expect(failed.category == .auth)
        let token = "issued-token-4f9a2c71"
        _ = try await engine.ping(EngineDeadlineTests.payload("leak", extra: ["token": token]), events: events.add)
        let text = events.all.map { "\($0)" }.joined(separator: "\n")
        for secret in [planted, token] {
            #expect(!text.contains(secret), "an event carries a secret: \(text)")
        }
        #expect(events.ended.contains { $0.name == "auth" && $0.status == .failed })
        #expect(events.ended.contains { $0.name == "oauth_token" && $0.detail?.contains("got ") == true })
    }

    @Test func theStepOpenAtTheDeadlineEndsAsAnEventToo() async throws {
        let clock = ManualPingClock()
        let engine = EngineDeadlineTests.engine(clock, timeout: .seconds(3))
        let events = Events()
        let ping = Task { try await engine.ping(EngineDeadlineTests.payload("hang"), events: events.add) }
        try await EngineDeadlineTests.waitUntil { clock.sleeperCount == 1 && events.all.count == 1 }
        clock.advance(by: .seconds(3))
        let report = try await ping.value
        #expect(report.category == .timeout)
        #expect(events.ended.last?.name == "connect")
        #expect(events.ended.last?.status == .failed)
        #expect(events.ended.last?.detail == "no answer within the ping's 3 s deadline", "\(events.all)")
    }

    /// A client that goes away cancels its ping: the probe is stopped and its place given back at once,
    /// long before the deadline (which, on this clock, never comes).
    @Test func cancellingTheCallerStopsThePingAndFreesItsPlace() async throws {
        let clock = ManualPingClock()
        let engine = EngineDeadlineTests.engine(clock, timeout: .seconds(30), maxInFlight: 1)
        let events = Events()
        let ping = Task { try await engine.ping(EngineDeadlineTests.payload("hang"), events: events.add) }
        try await EngineDeadlineTests.waitUntil { events.all.count == 1 && engine.pingsInFlight == 1 }
        ping.cancel()
        let report = try await ping.value
        #expect(report.ok == false)
        #expect(report.message?.contains("the caller went away") == true, "\(report.summary)")
        #expect(engine.pingsInFlight == 0, "the in-flight place was not given back")
        #expect(events.ended.last?.detail == "stopped: the caller went away")
        // The place is usable again: a ping that was refused before runs now.
        let next = try await engine.ping(EngineDeadlineTests.payload("pass"))
        #expect(next.ok)
    }

    /// Cancelled before the race starts: stopped as soon as it begins, not at its deadline.
    @Test func aPingCancelledBeforeItStartsStopsAtOnce() async throws {
        let engine = EngineDeadlineTests.engine(ManualPingClock(), timeout: .seconds(30))
        let ping = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await engine.ping(EngineDeadlineTests.payload("hang"))
        }
        let report = try await ping.value
        #expect(report.message?.contains("the caller went away") == true, "\(report.summary)")
        #expect(engine.pingsInFlight == 0)
    }
}
