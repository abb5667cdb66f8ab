import Foundation

/// The outcome of one step of a ping.
public enum StepStatus: String, Sendable, Codable {
    case passed, failed, warning, skipped
}

/// One step of a ping (`dns`, `connect`, `tls`, `auth`, ...), in the order it ran.
public struct PingStep: Sendable, Codable, Equatable {
    public var name: String
    public var status: StepStatus
    public var durationMs: Double
    /// What was observed, e.g. "127.0.0.1:5432 answered" or the server version.
    public var detail: String?
    /// What to do about a failure or warning.
    public var hint: String?

    public init(name: String, status: StepStatus, durationMs: Double, detail: String? = nil, hint: String? = nil) {
        self.name = name
        self.status = status
        self.durationMs = durationMs
        self.detail = detail
        self.hint = hint
    }
}

/// A readiness check (e.g. `wal_level`): what the server has, what CDC needs, and the fix.
public struct ReadinessCheck: Sendable, Codable, Equatable {
    public var name: String
    public var status: StepStatus
    public var observed: String
    public var required: String
    public var detail: String?
    /// The exact statement or setting that fixes it.
    public var fix: String?
    /// Whether the fix needs a server restart.
    public var restartRequired: Bool?

    public init(
        name: String, status: StepStatus, observed: String, required: String,
        detail: String? = nil, fix: String? = nil, restartRequired: Bool? = nil
    ) {
        self.name = name
        self.status = status
        self.observed = observed
        self.required = required
        self.detail = detail
        self.fix = fix
        self.restartRequired = restartRequired
    }
}

/// Where the ping went.
public struct PingTarget: Sendable, Codable, Equatable {
    public var host: String
    public var port: Int?
    /// Every address the host resolved to, in the order they were tried.
    public var addresses: [String]
    /// The address that answered, when one did.
    public var connectedAddress: String?

    public init(host: String, port: Int?, addresses: [String] = [], connectedAddress: String? = nil) {
        self.host = host
        self.port = port
        self.addresses = addresses
        self.connectedAddress = connectedAddress
    }
}

/// The full answer to a ping: the verdict, why, and every step with its time.
public struct PingReport: Sendable, Codable, Equatable {
    public var ok: Bool
    /// The connector type that was pinged.
    public var type: ConnectorType
    /// Why it failed; nil when `ok`.
    public var category: FailureCategory?
    /// Whether trying again unchanged may succeed; nil when `ok`.
    public var transient: Bool?
    /// One line a person can act on; nil when `ok`.
    public var message: String?
    /// What to do about it.
    public var hint: String?
    public var durationMs: Double
    /// The data plane that ran the ping.
    public var dataPlane: String
    /// The agent of ``dataPlane`` that ran the ping; nil when the service ran it itself.
    public var agent: String?
    public var target: PingTarget?
    public var steps: [PingStep]
    public var checks: [ReadinessCheck]

    public init(
        ok: Bool, type: ConnectorType, category: FailureCategory? = nil, transient: Bool? = nil, message: String? = nil,
        hint: String? = nil, durationMs: Double, dataPlane: String, target: PingTarget? = nil,
        steps: [PingStep] = [], checks: [ReadinessCheck] = []
    ) {
        self.ok = ok
        self.type = type
        self.category = category
        self.transient = transient
        self.message = message
        self.hint = hint
        self.durationMs = durationMs
        self.dataPlane = dataPlane
        self.target = target
        self.steps = steps
        self.checks = checks
    }
}

extension PingReport {
    /// The step named `name`, if the ping recorded one.
    public func step(_ name: String) -> PingStep? { steps.first { $0.name == name } }

    /// The step named `name`, if the ping recorded one.
    public func step(_ name: StepName) -> PingStep? { step(name.rawValue) }

    /// The readiness check named `name`, if the ping made one.
    public func check(_ name: String) -> ReadinessCheck? { checks.first { $0.name == name } }

    /// One line for logs and test failures: category, message, hint, and every step with its detail.
    public var summary: String {
        "\(category?.rawValue ?? "ok"): \(message ?? "")\(hint.map { " [hint: \($0)]" } ?? "") | "
            + steps.map { "\($0.name)=\($0.status.rawValue)(\($0.detail ?? ""))" }.joined(separator: "; ")
    }
}

extension PingReport {
    /// The one paragraph Artie's clients show of a failed ping (they read only `error`, never `report`):
    /// what failed, and the fix where there is one: the hint, and for a source not ready for CDC the
    /// first failed check (observed, required, the statement that fixes it). Nil when the ping worked.
    public var errorText: String? {
        guard !ok else { return nil }
        var sentences = [
            message.flatMap { $0.isEmpty ? nil : $0 } ?? "the ping failed (\(category?.rawValue ?? "unknown"))"
        ]
        if category == .cdcNotReady, let check = checks.first(where: { $0.status == .failed }) {
            let said = "\(check.name) is \(check.observed), needs \(check.required)"
            if !sentences[0].includes(said) { sentences.append(said) }
            if let fix = check.fix, hint?.includes(fix) != true {
                sentences.append("Fix: \(fix)\(check.restartRequired == true ? " (a restart is needed)" : "")")
            }
        }
        if let hint, !hint.isEmpty, !sentences.contains(where: { $0.includes(hint) }) { sentences.append(hint) }
        return sentences.enumerated().map { index, sentence in
            Self.punctuated(sentence.trimmed(newlines: false), capitalised: index > 0)
        }.joined(separator: " ")
    }

    /// One sentence of ``errorText``: its first word capitalised when asked and it is a lowercase word of
    /// letters only, and a full stop added unless it ends in `.`, `!` or `?`. A sentence of ASCII bytes (the
    /// usual case) is read byte by byte, without breaking it into Characters (that was 1.5% of the service's
    /// CPU per failed ping); in ASCII, bytes and Characters give the same answers.
    static func punctuated(_ sentence: String, capitalised: Bool) -> String {
        var text = sentence
        let utf8 = text.utf8
        if text.utf8AllSatisfy({ $0 < 0x80 }) {
            func isLower(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
            func isLetter(_ byte: UInt8) -> Bool {
                isLower(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            }
            if capitalised, let first = utf8.first, isLower(first),
                utf8.prefix(while: { $0 != UInt8(ascii: " ") }).allSatisfy(isLetter)
            {
                text = String(decoding: [first - 0x20] + utf8.dropFirst(), as: UTF8.self)
            }
            if let last = text.utf8.last, last != UInt8(ascii: "."), last != UInt8(ascii: "!"),
                last != UInt8(ascii: "?")
            {
                text += "."
            }
            return text
        }
        let firstWord = text.prefix { $0 != " " }
        if capitalised, let first = text.first, first.isLowercase, firstWord.allSatisfy(\.isLetter) {
            text = first.uppercased() + text.dropFirst()
        }
        if let last = text.last, !".!?".contains(last) { text += "." }
        return text
    }
}
