import Foundation
import PreflightNetwork

/// An HTTP proxy that the remote commands reach their service through (a CONNECT tunnel for https,
/// the request in absolute form for http).
public struct RemoteProxy: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// `Proxy-Authorization` value (Basic) when the proxy URL carried a user name.
    public var authorization: String?

    public init(host: String, port: Int, authorization: String? = nil) {
        self.host = host
        self.port = port
        self.authorization = authorization
    }

    /// host:port, never the credentials.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The proxy environment variables, read the way curl reads them: `https_proxy` or `HTTPS_PROXY` for
/// https URLs; only the lower-case `http_proxy` for http URLs (the upper-case one can be set by a CGI
/// request's `Proxy:` header); `all_proxy` or `ALL_PROXY` for either; `no_proxy` or `NO_PROXY` lists the
/// hosts reached directly.
public struct ProxySettings: Sendable, Equatable {
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// The proxy for `host` under `scheme` ("http" or "https"), nil to connect directly. Throws for a
    /// proxy URL that cannot be used, naming the variable.
    public func proxy(scheme: String, host: String) throws(RemoteHTTPError) -> RemoteProxy? {
        let https = scheme.lowercased() == "https"
        let names =
            https
            ? ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] : ["http_proxy", "all_proxy", "ALL_PROXY"]
        guard let name = names.first(where: { !(environment[$0] ?? "").isEmpty }), let value = environment[name] else {
            return nil
        }
        if bypasses(host) { return nil }
        return try Self.parse(value, variable: name)
    }

    /// Whether `no_proxy`/`NO_PROXY` names `host`: `*`, the host itself, a domain it is in (with or without
    /// a leading dot), or an address block (`10.0.0.0/8`) holding it.
    public func bypasses(_ host: String) -> Bool {
        guard let list = environment["no_proxy"] ?? environment["NO_PROXY"] else { return false }
        let name = Self.bare(host).lowercased()
        let address = IPAddress(name)
        for raw in list.split(whereSeparator: { $0 == "," || $0 == " " }) {
            var entry = Self.bare(String(raw)).lowercased()
            if entry == "*" { return true }
            if entry.contains("/"), let address, let block = IPNetwork(entry) {
                if block.contains(address) { return true }
                continue
            }
            if let address {
                if IPAddress(entry) == address { return true }
                continue
            }
            while entry.hasPrefix(".") { entry.removeFirst() }
            while entry.hasSuffix(".") { entry.removeLast() }
            if entry.isEmpty { continue }
            if name == entry || name.hasSuffix("." + entry) { return true }
        }
        return false
    }

    /// A host without brackets or a trailing dot.
    static func bare(_ host: String) -> String {
        var text = host.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("["), let end = text.firstIndex(of: "]") {
            text = String(text[text.index(after: text.startIndex)..<end])
        }
        if text.hasSuffix("."), text.count > 1 { text.removeLast() }
        return text
    }

    /// `http://[user[:password]@]host[:port]`; no scheme means http; the port defaults to 1080 (curl's).
    public static func parse(_ value: String, variable: String) throws(RemoteHTTPError) -> RemoteProxy {
        let text = value.trimmingCharacters(in: .whitespaces)
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .badProxy("\(variable) holds a control character")
        }
        let full = text.contains("://") ? text : "http://" + text
        guard let url = URLComponents(string: full), let scheme = url.scheme?.lowercased() else {
            throw .badProxy("\(variable) is not a proxy URL such as http://proxy.example.com:3128")
        }
        guard scheme == "http" else {
            throw .badProxy(
                "\(variable) names a \(scheme):// proxy; only http:// proxies (HTTP CONNECT) are supported")
        }
        guard let host = url.host, !host.isEmpty else {
            throw .badProxy("\(variable) names no proxy host; use http://proxy.example.com:3128")
        }
        let port = url.port ?? 1080
        guard (1...65535).contains(port) else { throw .badProxy("\(variable) names port \(port), out of range") }
        var authorization: String?
        if let user = url.user {
            let credentials = "\(user.removingPercentEncoding ?? user):\(url.password?.removingPercentEncoding ?? "")"
            authorization = "Basic " + Data(credentials.utf8).base64EncodedString()
        }
        return RemoteProxy(host: bare(host), port: port, authorization: authorization)
    }
}
