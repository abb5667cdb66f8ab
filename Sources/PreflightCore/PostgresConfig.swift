import Foundation

/// What a PostgreSQL-wire ping needs, read from a payload of type postgresql, cockroach or redshift.
public struct PostgresConfig: Sendable, Equatable {
    public var type: ConnectorType
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSSettings

    /// Reads and validates the keys of each type (see the README's connector table).
    public init(payload: ConnectorPayload) throws(InvalidConfig) {
        let config = payload.sharedConfig
        type = payload.type
        switch payload.type {
        case .redshift:
            if let endpoint = try config.string("endpoint") {
                let parts = try Self.splitEndpoint(endpoint)
                host = parts.0
                port = parts.1
            } else if try config.string("host") != nil {
                host = try config.host("host", for: type)
                port = try config.port("port", for: type)
            } else {
                throw InvalidConfig(
                    "sharedConfig.endpoint is required for redshift (\"cluster.abc123.us-east-1.redshift.amazonaws.com:5439\")"
                )
            }
            if let username = try config.string("username") {
                user = username
            } else {
                user = try config.requiredString("username", for: type)
            }
            database = payload.defaultDatabase ?? "dev"
            tls = try TLSSettings.from(config, serverName: host, default: .require, minimum: .require, type: type)
        case .cockroach:
            host = try config.host("host", for: type)
            port = try config.port("port", for: type)
            user = try config.requiredString("user", for: type)
            database = payload.defaultDatabase ?? "defaultdb"
            tls = try TLSSettings.from(config, serverName: host, default: .prefer, type: type)
        default:
            host = try config.host("host", for: type)
            port = try config.port("port", for: type)
            user = try config.requiredString("user", for: type)
            database = payload.defaultDatabase ?? "postgres"
            tls = try TLSSettings.from(config, serverName: host, default: .prefer, type: type)
        }
        password = try config.secret("password")
    }

    /// Splits Redshift's "host:port" endpoint (the port defaults to 5439; a trailing "/db" is ignored).
    static func splitEndpoint(_ endpoint: String) throws(InvalidConfig) -> (String, Int) {
        var text = endpoint.trimmingCharacters(in: .whitespaces)
        if text.contains("://") {
            throw InvalidConfig("sharedConfig.endpoint must be \"host:port\", not a URL (remove the scheme)")
        }
        if let slash = text.firstIndex(of: "/") { text = String(text[..<slash]) }
        // A bare IPv6 address has several colons and no port; "[v6]:port" carries one.
        let colons = text.filter { $0 == ":" }.count
        if colons > 1, !text.hasPrefix("[") {
            return (try SharedConfig.validateHost(text, key: "sharedConfig.endpoint"), 5439)
        }
        guard let colon = text.lastIndex(of: ":"), !text.hasSuffix("]") else {
            return (try SharedConfig.validateHost(text, key: "sharedConfig.endpoint"), 5439)
        }
        var hostPart = String(text[..<colon])
        if hostPart.hasPrefix("["), hostPart.hasSuffix("]") { hostPart = String(hostPart.dropFirst().dropLast()) }
        guard let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            throw InvalidConfig("sharedConfig.endpoint must be \"host:port\" with a port from 1 to 65535")
        }
        return (try SharedConfig.validateHost(hostPart, key: "sharedConfig.endpoint"), port)
    }
}
