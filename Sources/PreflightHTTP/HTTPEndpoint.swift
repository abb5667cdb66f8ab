import PreflightCore

/// Where an HTTP API lives: scheme, host, port and an optional base path. Parsed from user input
/// (a bare host, `host:port`, or a URL) with messages that name the key and never echo a query string.
public struct HTTPEndpoint: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var isTLS: Bool
    public var host: String
    public var port: Int
    /// "" or a path starting with "/" and not ending with one.
    public var basePath: String

    public init(isTLS: Bool, host: String, port: Int, basePath: String = "") {
        self.isTLS = isTLS
        self.host = host
        self.port = port
        self.basePath = basePath
    }

    /// Parses "host", "host:port", "[v6]:port" or "http(s)://host[:port][/path]". User-info, other
    /// schemes, fragments and bad ports are refused; the query, if any, is dropped from messages.
    public static func parse(_ text: String, key: String, defaultTLS: Bool = true) throws(InvalidConfig) -> HTTPEndpoint
    {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw InvalidConfig("sharedConfig.\(key) is empty") }
        var rest = Substring(trimmed)
        var isTLS = defaultTLS
        if let range = rest.range(of: "://") {
            let scheme = rest[..<range.lowerBound].lowercased()
            switch scheme {
            case "https": isTLS = true
            case "http": isTLS = false
            default:
                throw InvalidConfig(
                    "sharedConfig.\(key) must be an http:// or https:// URL (scheme \"\(scheme.prefix(20))\" is not)")
            }
            rest = rest[range.upperBound...]
        }
        if let query = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<query] }
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            path = String(rest[slash...])
            rest = rest[..<slash]
        }
        guard !rest.contains("@") else {
            throw InvalidConfig(
                "sharedConfig.\(key) must not carry a user name or password; give credentials in their own keys")
        }
        var host = String(rest)
        var port = isTLS ? 443 : 80
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else {
                throw InvalidConfig("sharedConfig.\(key) has an unclosed [ in its IPv6 address")
            }
            let after = host[host.index(after: close)...]
            let inner = String(host[host.index(after: host.startIndex)..<close])
            if after.hasPrefix(":") {
                port = try parsePort(String(after.dropFirst()), key: key)
            } else if !after.isEmpty {
                throw InvalidConfig("sharedConfig.\(key) has text after its IPv6 address")
            }
            host = inner
        } else if let colon = host.lastIndex(of: ":") {
            if host[..<colon].contains(":") {
                // A bare IPv6 address without a port.
            } else {
                port = try parsePort(String(host[host.index(after: colon)...]), key: key)
                host = String(host[..<colon])
            }
        }
        guard !host.isEmpty else { throw InvalidConfig("sharedConfig.\(key) has no host name") }
        _ = try SharedConfig.validateHost(host, key: "sharedConfig.\(key)")
        while path.hasSuffix("/") { path.removeLast() }
        guard !path.contains(where: { $0 == " " || $0.isNewline }) else {
            throw InvalidConfig("sharedConfig.\(key) has a space in its path")
        }
        return HTTPEndpoint(isTLS: isTLS, host: host.lowercased(), port: port, basePath: path)
    }

    private static func parsePort(_ text: String, key: String) throws(InvalidConfig) -> Int {
        guard let port = Int(text), (1...65535).contains(port) else {
            throw InvalidConfig(
                "sharedConfig.\(key) has port \"\(text.prefix(12))\"; a port is a number from 1 to 65535")
        }
        return port
    }

    /// Whether `port` is the scheme's own (443 for https, 80 for http).
    public var isDefaultPort: Bool { port == (isTLS ? 443 : 80) }

    /// The Host header: the host, bracketed if IPv6, with the port when it is not the scheme's default.
    public var hostHeader: String {
        let shown = host.contains(":") ? "[\(host)]" : host
        return isDefaultPort ? shown : "\(shown):\(port)"
    }

    /// "https://host[:port]/base"
    public var description: String { "\(isTLS ? "https" : "http")://\(hostHeader)\(basePath)" }

    /// The same endpoint with another base path.
    public func with(basePath: String) -> HTTPEndpoint {
        var copy = self
        copy.basePath = basePath
        return copy
    }
}
