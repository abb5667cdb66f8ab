import Foundation
import PreflightCore
import PreflightNetwork

/// A parsed `mongodb://` or `mongodb+srv://` connection string (MongoDB "Connection String" and
/// "Initial DNS Seedlist Discovery" specifications). Parsing is pure and every error names what is
/// wrong without repeating the user name or password.
public struct MongoConnectionString: Sendable, Equatable {
    public static let defaultPort = ConnectorType.mongodb.defaultPort ?? 27017

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
}
