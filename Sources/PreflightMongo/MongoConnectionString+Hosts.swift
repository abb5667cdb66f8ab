import Foundation
import PreflightCore
import PreflightNetwork

/// The seed list: host names, IP literals and ports, checked as drivers check them.
extension MongoConnectionString {
    static func parseHostList(_ text: Substring, defaultPort: Int) throws(InvalidConfig) -> [MongoHostAddress] {
        var hosts: [MongoHostAddress] = []
        for entry in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = entry.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else {
                throw InvalidConfig("\(key) has an empty host in its host list (two commas, or a trailing comma)")
            }
            hosts.append(try parseHost(trimmed, defaultPort: defaultPort))
        }
        return hosts
    }

    static func parseHost(_ text: String, defaultPort: Int) throws(InvalidConfig) -> MongoHostAddress {
        let lower = text.lowercased()
        if lower.hasSuffix(".sock") || lower.hasPrefix("/") || lower.hasPrefix("%2f") {
            throw InvalidConfig(
                "\(key) names a Unix domain socket (\(text.prefix(80))), which this service cannot reach; give a host name and port"
            )
        }
        var host: String
        var portText: String?
        if lower.hasPrefix("[") {
            guard let close = lower.firstIndex(of: "]") else {
                throw InvalidConfig("\(key): the IPv6 address \(text.prefix(60)) has no closing ']'")
            }
            host = String(lower[lower.index(after: lower.startIndex)..<close])
            let after = lower[lower.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else {
                    throw InvalidConfig("\(key): unexpected text after the IPv6 address \(text.prefix(60))")
                }
                portText = String(after.dropFirst())
            }
            guard IPAddress(host) != nil, host.contains(":") else {
                throw InvalidConfig("\(key): [\(host.prefix(60))] is not an IPv6 address")
            }
        } else {
            let colons = lower.filter { $0 == ":" }.count
            if colons > 1 {
                throw InvalidConfig("\(key): an IPv6 address must be in brackets, as [\(lower.prefix(60))]:27017")
            }
            if colons == 1, let colon = lower.firstIndex(of: ":") {
                host = String(lower[..<colon])
                portText = String(lower[lower.index(after: colon)...])
            } else {
                host = lower
            }
            if IPAddress(host) == nil { try validateHostName(host) }
        }
        var port = defaultPort
        if let portText {
            guard let parsed = Int(portText), portText.allSatisfy(\.isNumber), (1...65535).contains(parsed) else {
                // The port text is not repeated: in a string missing its '@' it may be a password.
                throw InvalidConfig("\(key): the port after \(host.prefix(80)) must be a number from 1 to 65535")
            }
            port = parsed
        }
        if host.hasSuffix(".") { host.removeLast() }
        return MongoHostAddress(host: host, port: port)
    }

    static func validateHostName(_ host: String) throws(InvalidConfig) {
        guard !host.isEmpty else { throw InvalidConfig("\(key) has an empty host name") }
        guard host.count <= 253 else { throw InvalidConfig("\(key): a host name is longer than 253 characters") }
        let allowed = host.unicodeScalars.allSatisfy { scalar in
            (scalar.value >= 0x30 && scalar.value <= 0x39) || (scalar.value >= 0x61 && scalar.value <= 0x7A)
                || scalar == "-" || scalar == "." || scalar == "_"
        }
        guard allowed else {
            throw InvalidConfig(
                "\(key): \"\(host.prefix(80))\" is not a valid host name (letters, digits, '-', '_' and '.' only)")
        }
        guard !host.hasPrefix("."), !host.contains("..") else {
            throw InvalidConfig("\(key): \"\(host.prefix(80))\" has an empty label")
        }
    }
}
