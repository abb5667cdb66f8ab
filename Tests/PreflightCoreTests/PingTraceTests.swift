import PreflightCore
import Testing

@Suite("PingTrace")
struct PingTraceTests {
    @Test func beginAndEnd() {
        let trace = PingTrace()
        trace.begin(.dns, activity: "resolving db")
        trace.end(.dns, status: .passed, detail: "db resolves to 10.0.0.5")
        trace.begin(.connect, activity: "connecting to db:5432")
        trace.end(.connect, status: .failed, detail: "refused", hint: "check the port")
        let sealed = trace.seal()
        #expect(sealed.steps.map(\.name) == ["dns", "connect"])
        #expect(sealed.steps.map(\.status) == [.passed, .failed])
        #expect(sealed.steps[0].detail == "db resolves to 10.0.0.5")
        #expect(sealed.steps[1].hint == "check the port")
        #expect(sealed.steps.allSatisfy { $0.durationMs >= 0 })
        #expect(sealed.open == nil)
    }

    @Test func stepDurationIsMeasuredFromBegin() async throws {
        let trace = PingTrace()
        trace.begin(StepName(rawValue: "slow"), activity: "waiting")
        try await Task.sleep(for: .milliseconds(50))
        trace.end(StepName(rawValue: "slow"), status: .passed)
        let step = try #require(trace.seal().steps.first)
        #expect(step.durationMs >= 45)
    }

    @Test func endOfAnotherStepLeavesTheOpenOne() {
        let trace = PingTrace()
        trace.begin(.auth, activity: "waiting for login")
        trace.end(.tls, status: .skipped)
        let sealed = trace.seal(openStepDetail: "no answer")
        #expect(sealed.steps.map(\.name) == ["tls", "auth"])
        #expect(sealed.steps[0].durationMs < 1)
        #expect(sealed.open?.name == .auth)
    }

    @Test func sealMarksTheOpenStepFailed() {
        let trace = PingTrace()
        trace.note(.dns, status: .skipped, detail: "an IP address")
        trace.begin(.tls, activity: "waiting for the TLS answer", timeoutHint: "is this a PostgreSQL port?")
        let sealed = trace.seal(openStepDetail: "no answer within the ping's 3 s deadline")
        #expect(sealed.steps.map(\.name) == ["dns", "tls"])
        let tls = sealed.steps[1]
        #expect(tls.status == .failed)
        #expect(tls.detail == "no answer within the ping's 3 s deadline")
        #expect(tls.hint == "is this a PostgreSQL port?")
        #expect(sealed.open?.name == .tls)
        #expect(sealed.open?.activity == "waiting for the TLS answer")
    }

    @Test func writesAfterSealAreIgnored() {
        let trace = PingTrace()
        trace.begin(.auth, activity: "login")
        _ = trace.seal(openStepDetail: "deadline")
        trace.end(.auth, status: .passed, detail: "late success")
        trace.begin(.readiness, activity: "queries")
        trace.note(.database, status: .passed)
        trace.check(ReadinessCheck(name: "wal_level", status: .passed, observed: "logical", required: "logical"))
        let again = trace.seal(openStepDetail: "second seal")
        #expect(again.steps.count == 1)
        #expect(again.steps[0].name == "auth")
        #expect(again.steps[0].status == .failed)
        #expect(again.checks.isEmpty)
        #expect(again.open == nil)
    }

    @Test func checksAndTarget() {
        let trace = PingTrace()
        trace.updateTarget({ _ in }, host: "db", port: 5432)
        trace.updateTarget({ $0.addresses = ["10.0.0.5:5432"] }, host: "ignored", port: 1)
        trace.updateTarget({ $0.connectedAddress = "10.0.0.5:5432" }, host: "ignored", port: 1)
        trace.check(ReadinessCheck(name: "wal_level", status: .failed, observed: "replica", required: "logical"))
        let sealed = trace.seal()
        #expect(
            sealed.target
                == PingTarget(host: "db", port: 5432, addresses: ["10.0.0.5:5432"], connectedAddress: "10.0.0.5:5432"))
        #expect(sealed.checks.map(\.name) == ["wal_level"])
    }

    @Test func concurrentWritersDoNotLoseSteps() async {
        let trace = PingTrace()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask { trace.note(StepName(rawValue: "step\(index)"), status: .passed) }
            }
        }
        #expect(trace.seal().steps.count == 200)
    }
}
