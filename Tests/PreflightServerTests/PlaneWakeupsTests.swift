import Foundation
import PreflightStore
import Synchronization
import Testing

@testable import PreflightServices

/// A queued job wakes one idle poll, not every lane of every agent; a waiter that looked before the signal
/// never parks past it.
@Suite("PlaneWakeups")
struct PlaneWakeupsTests {
    /// Polls `condition` every 5 ms, for at most 10 s.
    func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<2000 where !condition() { try await Task.sleep(for: .milliseconds(5)) }
    }

    @Test func aSignalWakesExactlyOneParkedWaiter() async throws {
        let wakeups = PlaneWakeups()
        let key = UUID()
        let woken = WokenCount()
        let seen = wakeups.generation(key)
        let waiters = (0..<3).map { _ in
            Task {
                await wakeups.wait(key, seen: seen, upTo: .seconds(600))
                woken.add()
            }
        }
        try await eventually { wakeups.parkedCount(key) == 3 }
        #expect(wakeups.parkedCount(key) == 3)

        wakeups.signal(key)
        try await eventually { woken.value == 1 }
        #expect(woken.value == 1)
        #expect(wakeups.parkedCount(key) == 2)

        wakeups.signal(key)
        wakeups.signal(key)
        for waiter in waiters { await waiter.value }
        #expect(woken.value == 3)
        #expect(wakeups.parkedCount(key) == 0)
    }

    @Test func aWaiterThatLookedBeforeTheSignalReturnsAtOnce() async throws {
        let wakeups = PlaneWakeups()
        let key = UUID()
        let seen = wakeups.generation(key)
        wakeups.signal(key)
        // With a 600 s timeout, only the moved generation can end this wait.
        await wakeups.wait(key, seen: seen, upTo: .seconds(600))
        #expect(wakeups.generation(key) == seen + 1)
        #expect(wakeups.parkedCount(key) == 0)
    }

    @Test func aSignalBeforeTheWaitsReturnsOneWaiterNotAll() async throws {
        let wakeups = PlaneWakeups()
        let key = UUID()
        // Two polls looked at the store (generation 0); one job is queued before either waits.
        let seen = wakeups.generation(key)
        wakeups.signal(key)
        await wakeups.wait(key, seen: seen, upTo: .seconds(600))  // the first has it: returns at once
        let second = Task { await wakeups.wait(key, seen: seen, upTo: .seconds(600)) }
        try await eventually { wakeups.parkedCount(key) == 1 }
        #expect(wakeups.parkedCount(key) == 1)  // the second parks: that job is not its
        wakeups.signal(key)
        await second.value
        #expect(wakeups.parkedCount(key) == 0)
    }

    @Test func aJobHandedToAParkedPollIsWhatItsWaitReturns() async throws {
        let wakeups = PlaneWakeups()
        let plane = UUID()
        let seen = wakeups.generation(plane)
        #expect(wakeups.takeParkedPoll(plane) == nil)  // nobody parked
        let ping = Task { await wakeups.wait(plane, seen: seen, upTo: .seconds(600)) }  // not a poll: never taken
        let poll = Task { await wakeups.wait(plane, seen: seen, upTo: .seconds(600), agentID: "agent-7") }
        try await eventually { wakeups.parkedCount(plane) == 2 }
        let taken = try #require(wakeups.takeParkedPoll(plane))
        #expect(taken.agentID == "agent-7")
        #expect(wakeups.takeParkedPoll(plane) == nil)  // handed to one poll only
        let job = PlaneJob(
            companyUUID: UUID(), planeUUID: plane, sealedPayload: Data([1]), state: .claimed, claimedBy: "agent-7",
            deadline: Date().addingTimeInterval(60))
        taken.deliver(job)
        #expect(await poll.value == job)
        wakeups.signal(plane)
        #expect(await ping.value == nil)
    }

    @Test func signalsForKeysNobodyWatchesLeaveNothingBehind() async throws {
        let wakeups = PlaneWakeups()
        // Other instances' answered jobs are announced to every instance: none of them may pile up here.
        for _ in 0..<100 { wakeups.signal(UUID()) }
        #expect(wakeups.watchedCount() == 0)
        let job = UUID()
        let seen = wakeups.generation(job)
        wakeups.signal(job)
        #expect(wakeups.generation(job) == seen + 1)
        wakeups.forget(job)
        wakeups.signal(job)  // a late echo of its answer
        #expect(wakeups.watchedCount() == 0)
    }
}

/// How many waiters have returned.
final class WokenCount: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
