import Foundation
import PreflightCore
import PreflightNetwork

/// One member of a seed list: a host name (or IP literal, without brackets) and a port.
public struct MongoHostAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int = MongoConnectionString.defaultPort) {
        self.host = host
        self.port = port
    }

    /// "db.example.com:27017" or "[::1]:27017".
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Parses "host", "host:port" or "[v6]:port" as servers write them in `hello` replies.
    public static func parse(_ text: String) -> MongoHostAddress? {
        try? MongoConnectionString.parseHost(text, defaultPort: MongoConnectionString.defaultPort)
    }
}

/// A parsed `mongodb://` or `mongodb+srv://` connection string (MongoDB "Connection String" and
/// "Initial DNS Seedlist Discovery" specifications). Parsing is pure and every error names what is
/// wrong without repeating the user name or password.
public struct MongoConnectionString: Sendable, Equatable {
    public static let defaultPort = 27017

    /// `mongodb+srv://`: the seed list comes from DNS.
    public var isSRV: Bool
    /// The seed list (for SRV, empty until resolved).
    public var hosts: [MongoHostAddress]
    /// The SRV host name (for `mongodb+srv://`).
    public var srvHost: String?
    public var username: String?
    public var password: String?
    /// The path: the default database and the default `authSource`.
    public var database: String?
    /// Every option, keys lowercased, values percent-decoded (the last of a repeated key wins).
    public var options: [String: String]
    /// Options this parser does not know (reported, never fatal: drivers only warn).
    public var unknownOptions: [String]

    // Typed options (nil when absent).
    public var authSource: String?
    public var authMechanism: String?
    public var replicaSet: String?
    public var tls: Bool?
    public var tlsInsecure: Bool?
    public var tlsAllowInvalidCertificates: Bool?
    public var tlsAllowInvalidHostnames: Bool?
    /// A CA file path. This service cannot read the client's files: the PEM goes in `sslRootCert`.
    public var tlsCAFile: String?
    /// Whether a client certificate file is named (this service cannot present one).
    public var tlsCertificateKeyFile: Bool
    public var directConnection: Bool?
    public var loadBalanced: Bool?
    public var readPreference: String?
    public var srvServiceName: String?
    public var srvMaxHosts: Int?

    /// The mechanisms the MongoDB Authentication specification defines.
    public static let mechanisms = [
        "SCRAM-SHA-1", "SCRAM-SHA-256", "MONGODB-X509", "GSSAPI", "PLAIN", "MONGODB-AWS", "MONGODB-OIDC", "MONGODB-CR",
    ]
    static let readPreferences = ["primary", "primarypreferred", "secondary", "secondarypreferred", "nearest"]
    static let booleanOptions: Set<String> = [
        "tls", "ssl", "tlsinsecure", "tlsallowinvalidcertificates", "tlsallowinvalidhostnames", "directconnection",
        "loadbalanced", "retrywrites", "retryreads", "journal", "tlsdisableocspendpointcheck",
        "tlsdisablecertificaterevocationcheck",
    ]
    static let integerOptions: Set<String> = [
        "connecttimeoutms", "sockettimeoutms", "serverselectiontimeoutms", "heartbeatfrequencyms", "localthresholdms",
        "maxpoolsize", "minpoolsize", "maxidletimems", "maxconnecting", "waitqueuetimeoutms", "wtimeoutms",
        "maxstalenessseconds",
        "zlibcompressionlevel", "srvmaxhosts", "timeoutms",
    ]
    static let otherKnownOptions: Set<String> = [
        "authsource", "authmechanism", "authmechanismproperties", "replicaset", "tlscafile", "tlscertificatekeyfile",
        "tlscertificatekeyfilepassword", "readpreference", "readpreferencetags", "appname", "w", "readconcernlevel",
        "compressors", "uuidrepresentation", "srvservicename", "servermonitoringmode", "serverselectiontryonce",
        "proxyhost",
        "proxyport", "proxyusername", "proxypassword", "gssapiservicename",
    ]

    /// Where the string comes from, for messages.
    static let key = "sharedConfig.host"

    /// Parses a connection string. Text without a scheme is read as a seed list ("a:27017,b"), each
    /// host without a port getting `defaultPort`.
    public static func parse(_ raw: String, defaultPort: Int = defaultPort) throws(InvalidConfig)
        -> MongoConnectionString
    {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        var result = MongoConnectionString(
            isSRV: false, hosts: [], srvHost: nil, username: nil, password: nil, database: nil, options: [:],
            unknownOptions: [], tlsCertificateKeyFile: false)
        let rest: Substring
        if let schemeEnd = text.range(of: "://") {
            let scheme = text[..<schemeEnd.lowerBound].lowercased()
            switch scheme {
            case "mongodb": result.isSRV = false
            case "mongodb+srv": result.isSRV = true
            default:
                throw InvalidConfig("\(key) must start with mongodb:// or mongodb+srv://, not \(scheme.prefix(20))://")
            }
            rest = text[schemeEnd.upperBound...]
        } else {
            if text.contains("@") || text.contains("?") || text.contains("/") {
                throw InvalidConfig(
                    "\(key) looks like a connection string without its scheme; start it with mongodb:// or mongodb+srv://"
                )
            }
            guard !text.isEmpty else { throw InvalidConfig("\(key) is required for mongodb") }
            result.hosts = try parseHostList(Substring(text), defaultPort: defaultPort)
            return result
        }
        if rest.contains("#") {
            throw InvalidConfig(
                "\(key) contains '#': a connection string has no fragment; percent-encode '#' in a password as %23")
        }
        // 1. Split host information from the path and options at the first '/' (or '?').
        let boundary = rest.firstIndex(where: { $0 == "/" || $0 == "?" })
        let authority = boundary.map { rest[..<$0] } ?? rest
        var tail = boundary.map { rest[$0...] } ?? ""
        let hostText: Substring
        let userInfo: Substring?
        if let at = authority.lastIndex(of: "@") {
            userInfo = authority[..<at]
            hostText = authority[authority.index(after: at)...]
        } else {
            userInfo = nil
            hostText = authority
        }
        if tail.contains("@")
            && (userInfo == nil || tail.split(separator: "?", maxSplits: 1).first?.contains("@") == true)
        {
            throw InvalidConfig(
                "\(key): '@' appears after the host list; a user name or password containing '/', '?', '@' or ':' must be percent-encoded (%2F, %3F, %40, %3A), or give them in sharedConfig.user / sharedConfig.password"
            )
        }
        if let userInfo {
            guard !userInfo.isEmpty else { throw InvalidConfig("\(key) has '@' but no user name before it") }
            let parts = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = try? percentDecode(parts[0]) else {
                throw InvalidConfig(
                    "\(key): the user name has a '%' that is not followed by two hex digits (percent-encode '%' as %25)"
                )
            }
            guard !name.isEmpty else { throw InvalidConfig("\(key) has a password but no user name before '@'") }
            result.username = name
            if parts.count == 2 {
                guard let password = try? percentDecode(parts[1]) else {
                    throw InvalidConfig(
                        "\(key): the password has a '%' that is not followed by two hex digits (percent-encode '%' as %25)"
                    )
                }
                result.password = password.isEmpty ? nil : password
            }
        }
        // 2. Hosts.
        if result.isSRV {
            guard !hostText.isEmpty else { throw InvalidConfig("\(key) names no host after mongodb+srv://") }
            guard !hostText.contains(",") else {
                throw InvalidConfig("\(key): a mongodb+srv:// string names exactly one host (the SRV name), not a list")
            }
            let host = hostText.lowercased()
            if host.hasPrefix("[") || IPAddress(host) != nil {
                throw InvalidConfig("\(key): mongodb+srv:// needs a DNS name, not an IP address")
            }
            if host.contains(":") {
                throw InvalidConfig(
                    "\(key): mongodb+srv:// names a host without a port (the ports come from the SRV records)")
            }
            try validateHostName(host)
            result.srvHost = host
        } else {
            guard !hostText.isEmpty else { throw InvalidConfig("\(key) names no host after mongodb://") }
            result.hosts = try parseHostList(hostText, defaultPort: defaultPort)
        }
        // 3. Database and options.
        var optionText: Substring = ""
        if tail.hasPrefix("/") {
            tail = tail.dropFirst()
            let pathEnd = tail.firstIndex(of: "?") ?? tail.endIndex
            let path = tail[..<pathEnd]
            optionText = pathEnd < tail.endIndex ? tail[tail.index(after: pathEnd)...] : ""
            if !path.isEmpty {
                guard let database = try? percentDecode(path) else {
                    throw InvalidConfig("\(key): the database name has a '%' that is not followed by two hex digits")
                }
                if let bad = database.first(where: { "/\\. \"$".contains($0) }) {
                    throw InvalidConfig(
                        "\(key): the database name \"\(database.prefix(64))\" contains '\(bad)', which MongoDB does not allow in database names"
                    )
                }
                result.database = database
            }
        } else if tail.hasPrefix("?") {
            optionText = tail.dropFirst()
        }
        try result.parseOptions(optionText)
        try result.validateCombinations()
        return result
    }

    // MARK: Hosts

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

    // MARK: Options

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
