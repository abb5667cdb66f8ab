import Foundation
import PreflightCore
import PreflightHTTP

/// One entry of `addresses`, and the HTTP endpoint Preflight uses for it.
public struct ClickHouseAddress: Sendable, Equatable {
    /// As written (trimmed), for messages.
    public var original: String
    /// The HTTP(S) interface to call.
    public var endpoint: HTTPEndpoint
    /// Set when the port given was a native-protocol port mapped to the HTTP one (9000 -> 8123, 9440 -> 8443),
    /// or when `httpPort` replaced it: a sentence saying so, for step details.
    public var portNote: String?
}

/// What a ClickHouse ping needs, read from a payload of type `clickhouse` (Artie's `sharedConfig`:
/// `addresses` (a list of "host:port", or one comma-separated string), `username` ("default"), `password`,
/// `isInsecure`), plus Preflight's extension keys `httpPort`, `database`, `sslRootCert` and `writeTest`.
///
/// Preflight speaks ClickHouse's HTTP interface. Artie's addresses usually name the native TCP ports:
/// 9000 (plain) maps to the HTTP port 8123 and 9440 (secure) to the HTTPS port 8443 on the same host;
/// other ports are used as they are; an address without a port gets 8443 (8123 when insecure).
/// `httpPort` forces one port for every address.
///
/// `isInsecure: true` means plain HTTP; otherwise HTTPS with the certificate verified (chain and name),
/// against `sslRootCert` (PEM) when given.
public struct ClickHouseConfig: Sendable, Equatable {
    public var addresses: [ClickHouseAddress]
    public var username: String
    public var password: String?
    public var database: String?
    public var isInsecure: Bool
    public var rootCertificatesPEM: String?
    /// Extension `writeTest: true`: create and drop one empty `preflight_write_test_*` table in the database.
    public var writeTest = false

    public static let nativePort = 9000
    public static let nativeSecurePort = 9440
    public static let httpPort = 8123
    public static let httpsPort = 8443

    public init(payload: ConnectorPayload) throws(InvalidConfig) {
        let config = payload.sharedConfig
        isInsecure = try config.bool("isInsecure") ?? false
        writeTest = try config.bool("writeTest") ?? false
        username = try config.string("username")?.trimmingCharacters(in: .whitespaces) ?? "default"
        guard username.utf8.count <= 256, !username.contains(where: { $0.isNewline || $0 == "\0" }) else {
            throw InvalidConfig("sharedConfig.username must be at most 256 bytes on one line")
        }
        password = try config.secret("password")
        if let password, password.contains(where: { $0.isNewline || $0 == "\0" }) {
            throw InvalidConfig(
                "sharedConfig.password must not contain line breaks or NUL characters (it travels in an HTTP header)")
        }
        if let database = try config.string("database")?.trimmingCharacters(in: .whitespaces) {
            guard database.utf8.count <= 256, !database.contains(where: { $0.isNewline || $0 == "\0" }) else {
                throw InvalidConfig("sharedConfig.database must be at most 256 bytes on one line")
            }
            self.database = database
        }
        var forcedPort: Int?
        if try config.string("httpPort") != nil {
            forcedPort = try config.port("httpPort", default: nil, for: .clickhouse)
        }
        if let pem = try config.string("sslRootCert") {
            guard pem.contains("-----BEGIN CERTIFICATE-----") else {
                throw InvalidConfig("sharedConfig.sslRootCert must be PEM text containing -----BEGIN CERTIFICATE-----")
            }
            rootCertificatesPEM = pem
        }
        let entries = try Self.addressList(config)
        var addresses: [ClickHouseAddress] = []
        for (index, entry) in entries.enumerated() {
            addresses.append(
                try Self.address(entry, key: "addresses[\(index)]", isInsecure: isInsecure, forcedPort: forcedPort))
        }
        self.addresses = addresses
    }

    /// The entries of `addresses`: a JSON array of strings, or one string split at commas.
    static func addressList(_ config: SharedConfig) throws(InvalidConfig) -> [String] {
        let raw: [String]
        switch config["addresses"] ?? .null {
        case .null: raw = []
        case .string(let text): raw = text.split(separator: ",").map(String.init)
        case .array(let items):
            var strings: [String] = []
            for item in items {
                switch item {
                case .string(let text): strings += text.split(separator: ",").map(String.init)
                case .null: continue
                default:
                    throw InvalidConfig(
                        "sharedConfig.addresses must be a list of \"host:port\" strings, not a list holding \(item.kindDescription)"
                    )
                }
            }
            raw = strings
        case let other:
            throw InvalidConfig(
                "sharedConfig.addresses must be a list of \"host:port\" strings (or one comma-separated string), not \(other.kindDescription)"
            )
        }
        let entries = raw.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        guard !entries.isEmpty else {
            throw InvalidConfig(
                "sharedConfig.addresses is required for clickhouse (e.g. [\"abc.clickhouse.cloud:9440\"])")
        }
        guard entries.count <= 16 else {
            throw InvalidConfig("sharedConfig.addresses has \(entries.count) entries; at most 16 are tried")
        }
        return entries
    }

    static func address(_ text: String, key: String, isInsecure: Bool, forcedPort: Int?) throws(InvalidConfig)
        -> ClickHouseAddress
    {
        let lowered = text.lowercased()
        if lowered.hasPrefix("https://"), isInsecure {
            throw InvalidConfig(
                "sharedConfig.\(key) is an https:// address but isInsecure is true (plain HTTP); drop the scheme or set isInsecure to false"
            )
        }
        if lowered.hasPrefix("http://"), !isInsecure {
            throw InvalidConfig(
                "sharedConfig.\(key) is an http:// address but isInsecure is false (HTTPS); drop the scheme or set isInsecure to true"
            )
        }
        if lowered.contains("://"), !lowered.hasPrefix("http://"), !lowered.hasPrefix("https://") {
            throw InvalidConfig(
                "sharedConfig.\(key) must be \"host:port\" (a scheme such as tcp:// or clickhouse:// is not used)")
        }
        let hasPort = Self.hasExplicitPort(text)
        var endpoint = try HTTPEndpoint.parse(text, key: key, defaultTLS: !isInsecure)
        guard endpoint.basePath.isEmpty else {
            throw InvalidConfig("sharedConfig.\(key) must be \"host:port\" without a path")
        }
        let scheme = isInsecure ? "HTTP" : "HTTPS"
        let httpDefault = isInsecure ? httpPort : httpsPort
        var note: String?
        if let forcedPort {
            if hasPort, endpoint.port != forcedPort {
                note = "httpPort \(forcedPort) replaces port \(endpoint.port) of \(text)"
            }
            endpoint.port = forcedPort
        } else if !hasPort {
            endpoint.port = httpDefault
            note = "no port in \(text): ClickHouse's \(scheme) interface port \(httpDefault) is used"
        } else if endpoint.port == nativePort || endpoint.port == nativeSecurePort {
            let native = endpoint.port
            endpoint.port = httpDefault
            note =
                "\(native) in addresses is ClickHouse's native TCP protocol port; Preflight speaks the \(scheme) interface, so it uses port \(httpDefault) on the same host (set httpPort if it listens elsewhere)"
        }
        return ClickHouseAddress(original: text, endpoint: endpoint, portNote: note)
    }

    /// Whether "host:port", "[v6]:port" or a URL carries a port.
    static func hasExplicitPort(_ text: String) -> Bool {
        var rest = Substring(text)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<slash] }
        if rest.hasPrefix("[") { return rest.contains("]:") }
        return rest.filter { $0 == ":" }.count == 1
    }
}
