import PreflightCore
import Testing

@Suite("ReadinessVerdict")
struct ReadinessVerdictTests {
    let passed = ReadinessCheck(name: "wal_level", status: .passed, observed: "logical", required: "logical")
    let failed = ReadinessCheck(
        name: "wal_level", status: .failed, observed: "replica", required: "logical",
        fix: "ALTER SYSTEM SET wal_level = logical;", restartRequired: true)
    let warned = ReadinessCheck(
        name: "publications", status: .warning, observed: "none", required: "one", fix: "CREATE PUBLICATION p;")

    @Test func allPassedIsReady() {
        let step = ReadinessVerdict.step(for: [passed], isSource: true, readyFor: "logical replication")
        #expect(step.status == .passed)
        #expect(step.detail == "ready for logical replication (1 checks passed)")
        #expect(ReadinessVerdict.sourceFailure(for: [passed], server: "db:5432") == nil)
    }

    @Test func failuresFailOnlyASource() {
        let source = ReadinessVerdict.step(for: [passed, failed], isSource: true, readyFor: "CDC")
        #expect(source.status == .failed)
        #expect(source.detail.contains("wal_level is replica (needs logical)"))
        #expect(source.hint == failed.fix)
        let destination = ReadinessVerdict.step(for: [failed], isSource: false, readyFor: "CDC")
        #expect(destination.status == .warning)
        #expect(destination.hint?.contains("connectionRole") == true)
    }

    @Test func warningsAloneWarnWithTheFirstFix() {
        let step = ReadinessVerdict.step(for: [passed, warned], isSource: true, readyFor: "CDC")
        #expect(step.status == .warning)
        #expect(step.hint == warned.fix)
    }

    @Test func sourceFailureListsEveryFailedCheckAndSaysARestartIsNeeded() throws {
        let other = ReadinessCheck(
            name: "replication_privilege", status: .failed, observed: "none", required: "REPLICATION",
            fix: "ALTER ROLE x WITH REPLICATION;")
        let failure = try #require(ReadinessVerdict.sourceFailure(for: [other, passed, failed], server: "db:5432"))
        #expect(failure.category == .cdcNotReady)
        #expect(failure.message.contains("replication_privilege is none, needs REPLICATION"))
        #expect(failure.message.contains("wal_level is replica, needs logical"))
        #expect(failure.hint == "ALTER ROLE x WITH REPLICATION; (a restart is required)")
    }
}
