import Foundation
import PreflightCore
import PreflightNetwork

/// The options after '?': each one parsed and checked, then the combinations drivers refuse.
extension MongoConnectionString {
    mutating func parseOptions(_ text: Substring) throws(InvalidConfig) {
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            guard let equals = pair.firstIndex(of: "=") else {
                throw InvalidConfig("\(Self.key): the option \"\(pair.prefix(40))\" has no '=value'")
            }
            let name = String(pair[..<equals])
            guard !name.isEmpty else { throw InvalidConfig("\(Self.key) has an option without a name") }
            let lower = name.lowercased()
            guard let value = try? Self.percentDecode(pair[pair.index(after: equals)...]) else {
                throw InvalidConfig("\(Self.key): the value of option \(name) has a '%' not followed by two hex digits")
            }
            let secretOption = lower.contains("password")
            if Self.booleanOptions.contains(lower) {
                guard ["true", "false"].contains(value.lowercased()) else {
                    throw InvalidConfig(
                        "\(Self.key): option \(name) must be true or false, not \"\(value.prefix(20))\"")
                }
            } else if Self.integerOptions.contains(lower) {
                guard let number = Int(value), number >= 0 else {
                    throw InvalidConfig(
                        "\(Self.key): option \(name) must be a non-negative integer, not \"\(value.prefix(20))\"")
                }
            } else if !Self.otherKnownOptions.contains(lower) {
                if !unknownOptions.contains(name) { unknownOptions.append(name) }
            }
            if lower == "authsource" && value.isEmpty {
                throw InvalidConfig(
                    "\(Self.key): option authSource is empty; give the database the user was created in (usually admin)"
                )
            }
            if !secretOption || options[lower] == nil { options[lower] = value }
            if secretOption { options[lower] = "" }  // never keep a secret option's value
        }
        func flag(_ key: String) -> Bool? { options[key].map { $0.lowercased() == "true" } }
        authSource = options["authsource"]
        replicaSet = options["replicaset"].flatMap { $0.isEmpty ? nil : $0 }
        tlsInsecure = flag("tlsinsecure")
        tlsAllowInvalidCertificates = flag("tlsallowinvalidcertificates")
        tlsAllowInvalidHostnames = flag("tlsallowinvalidhostnames")
        tlsCAFile = options["tlscafile"].flatMap { $0.isEmpty ? nil : $0 }
        tlsCertificateKeyFile = options["tlscertificatekeyfile"].map { !$0.isEmpty } ?? false
        directConnection = flag("directconnection")
        loadBalanced = flag("loadbalanced")
        srvServiceName = options["srvservicename"]
        srvMaxHosts = options["srvmaxhosts"].flatMap { Int($0) }
        let tlsFlag = flag("tls")
        let sslFlag = flag("ssl")
        if let tlsFlag, let sslFlag, tlsFlag != sslFlag {
            throw InvalidConfig(
                "\(Self.key): options tls and ssl disagree (tls=\(tlsFlag), ssl=\(sslFlag)); they are synonyms")
        }
        tls = tlsFlag ?? sslFlag
        if let mechanism = options["authmechanism"] {
            guard let known = Self.mechanisms.first(where: { $0.caseInsensitiveCompare(mechanism) == .orderedSame })
            else {
                throw InvalidConfig(
                    "\(Self.key): authMechanism \"\(mechanism.prefix(30))\" is not a MongoDB mechanism; use one of \(Self.mechanisms.joined(separator: ", "))"
                )
            }
            authMechanism = known
        }
        if let preference = options["readpreference"] {
            guard Self.readPreferences.contains(preference.lowercased()) else {
                throw InvalidConfig(
                    "\(Self.key): readPreference \"\(preference.prefix(30))\" is not one of primary, primaryPreferred, secondary, secondaryPreferred, nearest"
                )
            }
            readPreference = preference
        }
    }

    func validateCombinations() throws(InvalidConfig) {
        let key = Self.key
        if tlsInsecure == true && (tlsAllowInvalidCertificates != nil || tlsAllowInvalidHostnames != nil) {
            throw InvalidConfig(
                "\(key): tlsInsecure cannot be combined with tlsAllowInvalidCertificates or tlsAllowInvalidHostnames")
        }
        if tls == false
            && (tlsInsecure != nil || tlsAllowInvalidCertificates != nil || tlsAllowInvalidHostnames != nil
                || tlsCAFile != nil)
        {
            throw InvalidConfig("\(key) turns TLS off (tls=false) but sets TLS options")
        }
        if directConnection == true {
            if isSRV { throw InvalidConfig("\(key): directConnection=true cannot be used with mongodb+srv://") }
            if hosts.count > 1 {
                throw InvalidConfig(
                    "\(key): directConnection=true needs exactly one host, and \(hosts.count) are listed")
            }
        }
        if loadBalanced == true {
            if hosts.count > 1 {
                throw InvalidConfig("\(key): loadBalanced=true needs exactly one host, and \(hosts.count) are listed")
            }
            if replicaSet != nil { throw InvalidConfig("\(key): loadBalanced=true cannot be combined with replicaSet") }
            if directConnection == true {
                throw InvalidConfig("\(key): loadBalanced=true cannot be combined with directConnection=true")
            }
        }
        if !isSRV && (srvServiceName != nil || srvMaxHosts != nil) {
            throw InvalidConfig("\(key): srvServiceName and srvMaxHosts only apply to mongodb+srv:// strings")
        }
        if let source = authSource, source != "$external", let bad = source.first(where: { "/\\. \"$".contains($0) }) {
            throw InvalidConfig(
                "\(key): authSource \"\(source.prefix(64))\" contains '\(bad)', which MongoDB does not allow in database names"
            )
        }
    }

    /// Decodes %XX escapes; throws on a malformed one. '+' is not a space in connection strings.
    static func percentDecode(_ text: Substring) throws(InvalidConfig) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%") {
                guard utf8.count >= 2, let high = hexValue(utf8[utf8.startIndex]),
                    let low = hexValue(utf8[utf8.startIndex + 1])
                else {
                    throw InvalidConfig("malformed percent-encoding")
                }
                bytes.append(high << 4 | low)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
