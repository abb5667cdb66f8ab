import Foundation
import NIOHTTP1
import PreflightCore
import PreflightHTTP

/// Where a remote request goes: a URL taken apart for the wire.
struct RemoteTarget: Sendable {
    var isTLS: Bool
    /// The host without brackets.
    var host: String
    var port: Int
    /// Path and query, percent-encoded, starting with "/".
    var pathAndQuery: String

    init(_ url: URL) throws(RemoteHTTPError) {
        guard let parts = URLComponents(url: url, resolvingAgainstBaseURL: false),
            let scheme = parts.scheme?.lowercased(), scheme == "http" || scheme == "https"
        else { throw .badURL("\(url.absoluteString.prefix(200)) is not an http:// or https:// URL") }
        guard let host = parts.host, !host.isEmpty else {
            throw .badURL("\(url.absoluteString.prefix(200)) names no host")
        }
        let text = parts.percentEncodedPath + (parts.percentEncodedQuery.map { "?" + $0 } ?? "")
        guard !text.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value >= 0x7F }),
            !host.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F })
        else { throw .badURL("the URL holds a space or a control character") }
        isTLS = scheme == "https"
        self.host = ProxySettings.bare(host)
        port = parts.port ?? (isTLS ? 443 : 80)
        pathAndQuery = text.hasPrefix("/") ? text : "/" + text
    }

    /// host:port as the Host header and CONNECT write it (an IPv6 host in brackets).
    var authority: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Which kept-alive connection can carry a request to this target.
    var key: String { (isTLS ? "https://" : "http://") + authority }

    /// The request head. `proxy`: an http request through a proxy names the whole URL and carries the
    /// proxy's credentials.
    func head(
        method: String, headers: [HTTPField], bodyLength: Int, userAgent: String, absoluteFor proxy: RemoteProxy?
    ) throws(RemoteHTTPError) -> HTTPRequestHead {
        // The wire checks the probes' HTTP client makes (tokens; no control character in a value).
        do {
            try HTTPRequest(method, pathAndQuery, headers: headers).validatedForWire()
        } catch {
            throw .badURL(error.message)
        }
        var fields = HTTPHeaders()
        fields.add(name: "Host", value: authority)
        fields.add(name: "User-Agent", value: userAgent)
        let reserved: Set<String> = [
            "host", "content-length", "connection", "transfer-encoding", "proxy-authorization",
        ]
        for field in headers where !reserved.contains(field.name.lowercased()) {
            fields.add(name: field.name, value: field.value)
        }
        if !headers.contains(where: { $0.name.lowercased() == "accept" }) {
            fields.add(name: "Accept", value: "application/json")
        }
        if bodyLength > 0 || ["POST", "PUT", "PATCH"].contains(method) {
            fields.add(name: "Content-Length", value: String(bodyLength))
        }
        fields.add(name: "Connection", value: "keep-alive")
        var uri = pathAndQuery
        if let proxy {
            uri = "http://\(authority)\(pathAndQuery)"
            if let authorization = proxy.authorization { fields.add(name: "Proxy-Authorization", value: authorization) }
        }
        var head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: uri)
        head.headers = fields
        return head
    }
}
