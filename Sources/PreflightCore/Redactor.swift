import Foundation

/// Removes secret values from any text before it reaches a response, a report or a log line.
///
/// Each secret is also looked for as a peer might echo it: trimmed, JSON-escaped, percent-encoded and
/// base64-encoded. All of them are found in one pass over the text (a trie of their bytes), so the cost
/// grows with the text, not with the number of secrets.
public struct Redactor: Sendable {
    /// What a secret is replaced with.
    public static let mask = "[redacted]"
    /// The most secret-looking `sharedConfig` keys a payload may carry (a 400 past it).
    public static let maximumSecretKeys = 32

    private let matcher: SecretMatcher
    /// The secrets as given (their encoded forms are derived from these, once).
    private let secrets: [String]

    public init(secrets: [String]) {
        self.secrets = secrets
        // Not a Set<String>: two canonically equivalent spellings are equal strings but different bytes,
        // and both must be found (the matcher keeps each byte sequence once).
        var forms: [String] = []
        for secret in secrets where !secret.isEmpty {
            forms.append(secret)
            guard !SecretMatcher.isShort(secret) else { continue }
            forms += Self.encodedForms(of: secret)
        }
        matcher = SecretMatcher(forms)
    }

    /// Every value in `sharedConfig` whose key names a secret (password, token, private key, ...),
    /// with the secret fields of a JSON object given as one (a service-account key file pasted as an
    /// object), plus a password embedded in a URL-shaped value such as a connection string.
    public init(config: SharedConfig) {
        var found: [String] = []
        for (key, value) in config.values {
            if Self.isSecretKey(key) { found += Self.secretTexts(in: value, wholeIsSecret: true) }
            if let text = value.stringValue, let password = Self.urlPassword(in: text) { found.append(password) }
        }
        self.init(secrets: found)
    }

    /// This redactor with more secrets (ones a probe obtained at run time: session tokens, access tokens).
    public func adding(_ more: [String]) -> Redactor {
        more.isEmpty ? self : Redactor(secrets: secrets + more)
    }

    /// Whether a `sharedConfig` key (or a field of a secret JSON object) holds a secret.
    public static func isSecretKey(_ key: String) -> Bool {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(key.utf8.count)
        for byte in key.utf8 where byte != UInt8(ascii: "_") && byte != UInt8(ascii: "-") {
            bytes.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
        }
        let lower = String(decoding: bytes, as: UTF8.self)
        if lower == "awsaccesskeyid" || lower == "clientid" || lower == "tokenuri" || lower == "tokentype" {
            return false
        }
        return ["password", "secret", "token", "privatekey", "credential", "passphrase", "apikey"].contains {
            lower.includes($0)
        }
    }

    /// The texts of `value` that are secrets: the whole text, and for an object or array the JSON text and
    /// the string fields under secret-looking names.
    private static func secretTexts(in value: JSONValue, wholeIsSecret: Bool) -> [String] {
        switch value {
        case .string(let text):
            guard wholeIsSecret, !text.isEmpty else { return [] }
            return [text, text.trimmed()]
        case .object(let fields):
            var found = wholeIsSecret ? [String(decoding: value.encodedBytes(), as: UTF8.self)] : []
            for (name, field) in fields {
                found += secretTexts(in: field, wholeIsSecret: isSecretKey(name))
            }
            return found
        case .array(let items):
            return items.flatMap { secretTexts(in: $0, wholeIsSecret: wholeIsSecret) }
        default:
            return []
        }
    }

    /// The password part of `scheme://user:password@host...`, when there is one.
    static func urlPassword(in text: String) -> String? {
        let utf8 = text.utf8
        guard utf8.count > 3 else { return nil }
        var found: String.Index?
        var index = utf8.startIndex
        while let colon = utf8[index...].firstIndex(of: UInt8(ascii: ":")) {
            let slash1 = utf8.index(after: colon)
            if slash1 < utf8.endIndex, utf8[slash1] == UInt8(ascii: "/") {
                let slash2 = utf8.index(after: slash1)
                if slash2 < utf8.endIndex, utf8[slash2] == UInt8(ascii: "/") {
                    found = utf8.index(after: slash2)
                    break
                }
            }
            index = slash1
        }
        guard let start = found else { return nil }
        let rest = text[start...]
        guard let at = rest.lastIndex(of: "@") else { return nil }
        let userInfo = rest[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return nil }
        let password = String(userInfo[userInfo.index(after: colon)...])
        return password.isEmpty ? nil : password
    }

    /// The forms in which a secret may come back: JSON-escaped (with `/` escaped or not), percent-encoded
    /// (strictly, and as a query value), base64 and base64url (with and without padding).
    static func encodedForms(of secret: String) -> Set<String> {
        if let forms = asciiEncodedForms(of: secret) { return forms }
        return foundationEncodedForms(of: secret)
    }

    /// ``encodedForms(of:)`` of a secret of printable ASCII only (the usual case), without Foundation's
    /// string machinery (it was a tenth of the service's CPU per ping); nil for any other secret. The
    /// tests hold it equal to ``foundationEncodedForms(of:)`` for every printable ASCII character.
    static func asciiEncodedForms(of secret: String) -> Set<String>? {
        let bytes = Array(secret.utf8)
        guard bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return nil }
        let hex = Array("0123456789ABCDEF".utf8)
        var json: [UInt8] = []
        var jsonSlashes: [UInt8] = []
        var strict: [UInt8] = []
        var query: [UInt8] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                json += [UInt8(ascii: "\\"), byte]
                jsonSlashes += [UInt8(ascii: "\\"), byte]
            case UInt8(ascii: "/"):
                json.append(byte)
                jsonSlashes += [UInt8(ascii: "\\"), byte]
            default:
                json.append(byte)
                jsonSlashes.append(byte)
            }
            let isAlphanumeric =
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            let percent = [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            if isAlphanumeric { strict.append(byte) } else { strict += percent }
            if isAlphanumeric || Self.queryValueBytes.contains(byte) { query.append(byte) } else { query += percent }
        }
        let base64 = Data(bytes).base64EncodedString()
        var unpadded = Array(base64.utf8)
        while unpadded.last == UInt8(ascii: "=") { unpadded.removeLast() }
        let url = unpadded.map {
            $0 == UInt8(ascii: "+") ? UInt8(ascii: "-") : $0 == UInt8(ascii: "/") ? UInt8(ascii: "_") : $0
        }
        return Set(
            [json, jsonSlashes, strict, query, unpadded, url].map { String(decoding: $0, as: UTF8.self) } + [base64])
    }

    /// The ASCII punctuation a query value keeps unescaped: URL-query characters but `&=+?/`.
    private static let queryValueBytes = Set("-._~!$'()*,;:@".utf8)

    /// ``encodedForms(of:)`` by Foundation: any secret, non-ASCII or with control characters included.
    static func foundationEncodedForms(of secret: String) -> Set<String> {
        var forms: Set<String> = []
        for options: JSONEncoder.OutputFormatting in [[], [.withoutEscapingSlashes]] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = options
            if let data = try? encoder.encode(secret) {
                forms.insert(String(decoding: data.dropFirst().dropLast(), as: UTF8.self))
            }
        }
        var query = CharacterSet.urlQueryAllowed
        query.remove(charactersIn: "&=+?/")
        for allowed in [CharacterSet.alphanumerics, query] {
            if let encoded = secret.addingPercentEncoding(withAllowedCharacters: allowed) { forms.insert(encoded) }
        }
        let base64 = Data(secret.utf8).base64EncodedString()
        let unpadded = base64.trimmingCharacters(in: CharacterSet(charactersIn: "="))
        forms.insert(base64)
        forms.insert(unpadded)
        forms.insert(unpadded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_"))
        return forms
    }

    /// `text` with every secret replaced by the mask. Secrets shorter than 6 characters are only
    /// replaced where they stand alone as a word, so that "pg" does not mangle "PostgreSQL".
    public func redact(_ text: String) -> String {
        matcher.isEmpty ? text : matcher.replace(in: text, with: Self.mask)
    }

    /// Redacts a report's every free-text field.
    public func redact(_ report: PingReport) -> PingReport {
        guard !matcher.isEmpty else { return report }
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
}
