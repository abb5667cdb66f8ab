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
