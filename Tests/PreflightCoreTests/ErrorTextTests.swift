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

/// Each sentence after the first: its first word capitalised when it is a lowercase word of letters, and a
/// full stop unless it ends in one. ASCII sentences take a byte path; they must read as the Character path does.
@Suite("PingReport.errorText: sentences")
struct ErrorTextSentenceTests {
    /// The Character-by-Character rule, as `errorText` had it before the ASCII path.
    static func reference(_ sentence: String) -> String {
        var text = sentence.trimmed(newlines: false)
        let firstWord = text.prefix { $0 != " " }
        if let first = text.first, first.isLowercase, firstWord.allSatisfy(\.isLetter) {
            text = first.uppercased() + text.dropFirst()
        }
        if let last = text.last, !".!?".contains(last) { text += "." }
        return text
    }

    static let hints = [
        "check the password", "Check the password", "check the password.", "is it up?", "stop!", "x", "a1b c",
        "sslMode=require is set", "--flag given", "über alles", "éclair ready", "ça va", "naïve word here",
        "check\u{301} accent", "emoji 🙂", "ends in emoji 🙂.", "  padded hint  ", "GRANT SELECT ON t TO u;",
        "line\r\nbreak", "tab\tinside", "ß is lowercase",
    ]

    @Test(arguments: hints)
    func aHintReadsAsTheCharacterRuleReadsIt(_ hint: String) throws {
        let report = PingReport(
            ok: false, type: .postgresql, category: .auth, transient: false, message: "login failed", hint: hint,
            durationMs: 1, dataPlane: "local")
        let text = try #require(report.errorText)
        #expect(text == "login failed. " + Self.reference(hint), "\(text)")
    }

    /// Every printable ASCII character as a hint's first and last: the byte path against the Character rule.
    @Test func everyASCIIFirstAndLastCharacter() throws {
        var mismatches: [String] = []
        for first in UInt8(0x21)...0x7E {
            for last in [UInt8(ascii: "."), UInt8(ascii: "x"), UInt8(ascii: "?"), first] {
                let hint = String(decoding: [first, UInt8(ascii: "b"), UInt8(ascii: " "), last], as: UTF8.self)
                let report = PingReport(
                    ok: false, type: .postgresql, category: .auth, transient: false, message: "m", hint: hint,
                    durationMs: 1, dataPlane: "local")
                if report.errorText != "m. " + Self.reference(hint) { mismatches.append(hint) }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }
}
