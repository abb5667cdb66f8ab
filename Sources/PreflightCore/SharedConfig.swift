import Foundation

/// The free-form `sharedConfig` object with typed, validating accessors.
///
/// Empty strings and nulls count as absent, since clients send every key of every type.
/// Error messages name the key and never repeat its value.
public struct SharedConfig: Sendable, Equatable {
    public var values: [String: JSONValue]

    public init(_ values: [String: JSONValue] = [:]) {
        self.values = values
    }

    /// Builds a config from plain strings (the CLI's `--set key=value`).
    public init(strings: [String: String]) {
        self.values = strings.mapValues { .string($0) }
    }

    public subscript(key: String) -> JSONValue? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// A string value, or nil when absent, null or empty. Numbers and booleans are accepted as their text.
    public func string(_ key: String) throws(InvalidConfig) -> String? {
        switch values[key] ?? .null {
        case .null: return nil
        case .string(let value):
            let trimmed = value.trimmed()
            return trimmed.isEmpty ? nil : value
        case .number(let number) where number == number.rounded() && abs(number) < 1e15:
            return String(Int64(number))
        case .bool(let flag): return flag ? "true" : "false"
        case let other: throw InvalidConfig("sharedConfig.\(key) must be a string, not \(other.kindDescription)")
        }
    }

    /// A string that must be present.
    public func requiredString(_ key: String, for type: ConnectorType) throws(InvalidConfig) -> String {
        guard let value = try string(key) else {
            throw InvalidConfig("sharedConfig.\(key) is required for \(type.rawValue)")
        }
        return value
    }

    /// A secret: like `string`, but kept exactly as sent (passwords may begin or end with spaces).
    public func secret(_ key: String) throws(InvalidConfig) -> String? {
        switch values[key] ?? .null {
        case .null: return nil
        case .string(let value): return value.isEmpty ? nil : value
        case let other: throw InvalidConfig("sharedConfig.\(key) must be a string, not \(other.kindDescription)")
        }
    }

    /// A TCP port, `type`'s default port when absent (see ``port(_:default:for:)``).
    public func port(_ key: String, for type: ConnectorType) throws(InvalidConfig) -> Int {
        try port(key, default: type.defaultPort, for: type)
    }

    /// A TCP port: an integer (or a string of digits) from 1 to 65535; `defaultPort` when absent. A port
    /// of 0 counts as absent: Artie's Terraform provider sends `"port": 0` for types whose form has no
    /// port (Go's zero value).
    public func port(_ key: String, default defaultPort: Int?, for type: ConnectorType) throws(InvalidConfig) -> Int {
        let port: Int
        switch values[key] ?? .null {
        case .null:
            guard let defaultPort else { throw InvalidConfig("sharedConfig.\(key) is required for \(type.rawValue)") }
            return defaultPort
        case .string(let text) where text.trimmed(newlines: false).isEmpty:
            guard let defaultPort else { throw InvalidConfig("sharedConfig.\(key) is required for \(type.rawValue)") }
            return defaultPort
        case .string(let text):
            guard let parsed = Int(text.trimmed(newlines: false)) else {
                throw InvalidConfig("sharedConfig.\(key) must be an integer port from 1 to 65535")
            }
            port = parsed
        case .number(let number):
            guard number == number.rounded(), abs(number) < 1e9 else {
                throw InvalidConfig("sharedConfig.\(key) must be an integer port from 1 to 65535")
            }
            port = Int(number)
        case let other:
            throw InvalidConfig(
                "sharedConfig.\(key) must be an integer port from 1 to 65535, not \(other.kindDescription)")
        }
        if port == 0 {
            guard let defaultPort else { throw InvalidConfig("sharedConfig.\(key) is required for \(type.rawValue)") }
            return defaultPort
        }
        guard (1...65535).contains(port) else {
            throw InvalidConfig("sharedConfig.\(key) is \(port), outside 1-65535")
        }
        return port
    }

    /// A boolean: true/false, or the strings "true"/"false"/"1"/"0".
    public func bool(_ key: String) throws(InvalidConfig) -> Bool? {
        switch values[key] ?? .null {
        case .null: return nil
        case .bool(let flag): return flag
        case .string(let text):
            switch text.trimmed(newlines: false).lowercased() {
            case "": return nil
            case "true", "1", "yes", "on": return true
            case "false", "0", "no", "off": return false
            default: throw InvalidConfig("sharedConfig.\(key) must be true or false")
            }
        case .number(let number): return number != 0
        case let other: throw InvalidConfig("sharedConfig.\(key) must be a boolean, not \(other.kindDescription)")
        }
    }

    /// A host name or address: no scheme, no path, no port, no spaces. Brackets around IPv6 are removed.
    public func host(_ key: String, for type: ConnectorType) throws(InvalidConfig) -> String {
        try Self.validateHost(try requiredString(key, for: type), key: "sharedConfig.\(key)")
    }

    /// Validates a host name or address for `key` (used for `host` and the host part of `endpoint`).
    public static func validateHost(_ raw: String, key: String) throws(InvalidConfig) -> String {
        var host = raw.trimmed()
        if host.includes("://") {
            throw InvalidConfig("\(key) must be a host name, not a URL (remove the scheme, e.g. \"db.example.com\")")
        }
        if host.hasPrefix("["), let close = host.firstIndex(of: "]"), host[close...].hasPrefix("]:"),
            case let port = host[host.index(close, offsetBy: 2)...], Int(port) != nil
        {
            throw InvalidConfig(
                "\(key) includes a port (\(port)); give the bare host and put the port in sharedConfig.port"
            )
        }
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        // Scalars, not Characters: every host of every ping passes here, and grapheme breaking is the costly
        // part of a Character check. A whitespace scalar anywhere is refused (a Character is whitespace by its
        // scalars too).
        if host.unicodeScalars.contains(where: { scalar in
            scalar.isASCII
                ? scalar == " " || scalar == "/" || scalar == "@" || ("\t"..."\r").contains(scalar)
                : scalar.properties.isWhitespace
        }) {
            throw InvalidConfig("\(key) must be a host name or IP address without spaces, '/' or '@'")
        }
        let colons = host.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: ":") ? 1 : 0) }
        if colons == 1, let port = host.split(separator: ":").last, Int(port) != nil {
            throw InvalidConfig(
                "\(key) includes a port (\(port)); give the bare host and put the port in sharedConfig.port")
        }
        if host.utf8.count > 253, host.count > 253 {
            throw InvalidConfig("\(key) is longer than 253 characters, the limit for a DNS name")
        }
        if host.containsControlCharacter {
            throw InvalidConfig("\(key) contains a control character")
        }
        if colons >= 2 {
            // An IPv6 address (a zone such as %eth0 may follow).
            let address = host.split(separator: "%", maxSplits: 1).first.map(String.init) ?? host
            guard !address.isEmpty, address.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw InvalidConfig("\(key) is not a valid IPv6 address")
            }
            return host
        }
        guard isHostName(host) else {
            throw InvalidConfig(
                "\(key) must be a host name (letters, digits and '-' in dot-separated labels, none starting or ending with '-') or an IP address"
            )
        }
        return host
    }

    /// DNS labels of 1 to 63 letters (internationalised names included), digits, '-' and '_', none
    /// beginning or ending with '-'; a trailing dot is allowed.
    static func isHostName(_ host: String) -> Bool {
        var labels = host.split(separator: ".", omittingEmptySubsequences: false)
        if labels.count > 1, labels.last?.isEmpty == true { labels.removeLast() }
        guard !labels.isEmpty else { return false }
        return labels.allSatisfy { label in
            // A label of at most 63 bytes has at most 63 characters: count graphemes only past that.
            guard !label.isEmpty, label.utf8.count <= 63 || label.count <= 63,
                label.utf8.first != UInt8(ascii: "-"), label.utf8.last != UInt8(ascii: "-")
            else { return false }
            return label.unicodeScalars.allSatisfy { scalar in
                if scalar.isASCII {
                    return (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z")
                        || (scalar >= "0" && scalar <= "9") || scalar == "-" || scalar == "_"
                }
                return scalar.properties.isAlphabetic || scalar.properties.numericType != nil
                    || scalar.properties.generalCategory == .nonspacingMark
                    || scalar.properties.generalCategory == .spacingMark
            }
        }
    }
}
