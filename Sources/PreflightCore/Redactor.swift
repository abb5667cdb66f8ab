import Foundation

/// Removes secret values from any text before it reaches a response, a report or a log line.
public struct Redactor: Sendable {
    /// What a secret is replaced with.
    public static let mask = "[redacted]"
    private let secrets: [String]

    public init(secrets: [String]) {
        // Longest first, so that a secret containing another is replaced whole.
        self.secrets = Array(Set(secrets.filter { !$0.isEmpty })).sorted { $0.count > $1.count }
    }

    /// Every value in `sharedConfig` whose key names a secret (password, token, private key, ...),
    /// plus a password embedded in a URL-shaped value such as a connection string.
    public init(config: SharedConfig) {
        var found: [String] = []
        for (key, value) in config.values {
            guard let text = value.stringValue, !text.isEmpty else { continue }
            if Self.isSecretKey(key) {
                found.append(text)
                // Also catch the secret as it appears when JSON-escaped or trimmed.
                found.append(text.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            if let password = Self.urlPassword(in: text) { found.append(password) }
        }
        self.init(secrets: found)
    }

    /// This redactor with more secrets (ones a probe obtained at run time: session tokens, access tokens).
    public func adding(_ more: [String]) -> Redactor {
        more.isEmpty ? self : Redactor(secrets: secrets + more)
    }

    /// Whether a `sharedConfig` key holds a secret.
    public static func isSecretKey(_ key: String) -> Bool {
        let lower = key.lowercased()
        if lower == "awsaccesskeyid" || lower == "clientid" { return false }
        return ["password", "secret", "token", "privatekey", "credential", "passphrase", "apikey"].contains {
            lower.contains($0)
        }
    }

    /// The password part of `scheme://user:password@host...`, when there is one.
    static func urlPassword(in text: String) -> String? {
        guard let scheme = text.range(of: "://") else { return nil }
        let rest = text[scheme.upperBound...]
        guard let at = rest.lastIndex(of: "@") else { return nil }
        let userInfo = rest[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return nil }
        let password = String(userInfo[userInfo.index(after: colon)...])
        return password.isEmpty ? nil : password
    }

    /// `text` with every secret replaced by the mask. Secrets shorter than 6 characters are only
    /// replaced where they stand alone as a word, so that "pg" does not mangle "PostgreSQL".
    public func redact(_ text: String) -> String {
        var result = text
        for secret in secrets {
            if secret.count >= 6 {
                result = result.replacingOccurrences(of: secret, with: Self.mask)
            } else {
                result = Self.replaceWholeWords(secret, in: result)
            }
        }
        return result
    }

    /// Redacts a report's every free-text field.
    public func redact(_ report: PingReport) -> PingReport {
        guard !secrets.isEmpty else { return report }
        var copy = report
        if var target = copy.target {
            target.host = redact(target.host)
            target.addresses = target.addresses.map(redact)
            target.connectedAddress = target.connectedAddress.map(redact)
            copy.target = target
        }
        copy.message = copy.message.map(redact)
        copy.hint = copy.hint.map(redact)
        copy.steps = copy.steps.map { step in
            var step = step
            step.detail = step.detail.map(redact)
            step.hint = step.hint.map(redact)
            return step
        }
        copy.checks = copy.checks.map { check in
            var check = check
            check.observed = redact(check.observed)
            check.detail = check.detail.map(redact)
            check.fix = check.fix.map(redact)
            return check
        }
        return copy
    }

    private static func replaceWholeWords(_ secret: String, in text: String) -> String {
        var output = ""
        var index = text.startIndex
        while index < text.endIndex {
            if text[index...].hasPrefix(secret) {
                let end = text.index(index, offsetBy: secret.count)
                let beforeOK = index == text.startIndex || !isWordCharacter(text[text.index(before: index)])
                let afterOK = end == text.endIndex || !isWordCharacter(text[end])
                if beforeOK && afterOK {
                    output += mask
                    index = end
                    continue
                }
            }
            output.append(text[index])
            index = text.index(after: index)
        }
        return output
    }

    private static func isWordCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "_"
    }
}
