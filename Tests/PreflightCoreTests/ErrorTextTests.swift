import PreflightCore
import Testing

/// Artie's clients show only `error`: it must say what failed and the fix on its own.
@Suite("PingReport.errorText: one paragraph with the fix")
struct ErrorTextTests {
    @Test func aSourceNotReadyNamesTheFirstFailedCheckAndItsFix() throws {
        let report = PingReport(
            ok: false, type: .postgresql, category: .cdcNotReady, transient: false,
            message: "the server is not ready for change data capture", durationMs: 5, dataPlane: "local",
            checks: [
                ReadinessCheck(name: "server_version", status: .passed, observed: "15.4", required: ">= 10"),
                ReadinessCheck(
                    name: "wal_level", status: .failed, observed: "replica", required: "logical",
                    fix: "ALTER SYSTEM SET wal_level = logical", restartRequired: true),
            ])
        let text = try #require(report.errorText)
        #expect(
            text
                == "the server is not ready for change data capture. wal_level is replica, needs logical. Fix: ALTER SYSTEM SET wal_level = logical (a restart is needed)."
        )
    }

    @Test func theHintCarriesTheFix() throws {
        let report = PingReport(
            ok: false, type: .postgresql, category: .ssh, transient: false,
            message: "bastion.example.com refused our key for user ubuntu",
            hint:
                "add this public key as one line to ~ubuntu/.ssh/authorized_keys on bastion.example.com: ssh-ed25519 AAAA",
            durationMs: 5, dataPlane: "local")
        #expect(
            report.errorText
                == "bastion.example.com refused our key for user ubuntu. Add this public key as one line to ~ubuntu/.ssh/authorized_keys on bastion.example.com: ssh-ed25519 AAAA."
        )
    }

    @Test func aWorkingPingHasNoError() {
        #expect(PingReport(ok: true, type: .redis, durationMs: 1, dataPlane: "local").errorText == nil)
    }
}
