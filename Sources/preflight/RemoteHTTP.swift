import Foundation
import PreflightCore
import PreflightHTTP
import PreflightRemote

/// The HTTP(S) requests of the commands that talk to a remote service (`preflight agent`, `planes`,
/// `ping --service`), sent by `RemoteHTTPSession`: it honours `https_proxy`/`HTTPS_PROXY`, `http_proxy`,
/// `all_proxy` and `no_proxy` from the environment as curl does, and `SSL_CERT_FILE`. (Not Foundation's
/// URLSession: on Linux it loads libcurl and some 30 libraries, 10 MB of the server's resident memory.)
enum RemoteHTTP {
    struct Answer {
        var status: Int
        var body: Data
        /// The `Location` of a redirect.
        var location: String? = nil

        /// The `error` of an error body, or the body as text. A redirect is not followed (the key would go
        /// with it to wherever it points): it says where it points.
        var errorMessage: String {
            if (300..<400).contains(status) {
                let target = (location ?? "").unicodeScalars.filter { $0.value > 0x20 && $0.value < 0x7F }.prefix(200)
                return target.isEmpty
                    ? "a redirect without a Location; check the service URL"
                    : "it redirects to \(String(String.UnicodeScalarView(target))), which is not followed (the key would go with it); give that URL instead if it is the service"
            }
            if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
                let message = object["error"] as? String
            {
                return message
            }
            return String(decoding: body.prefix(300), as: UTF8.self)
        }
    }

    /// One request; throws only when no answer came (connection refused, reset, timed out, TLS failed).
    static func send(
        _ method: String, _ url: URL, bearer: String?, json: Data? = nil, headers: [String: String] = [:],
        timeout: TimeInterval, session shared: RemoteHTTPSession? = nil
    ) async throws(RemoteHTTPError) -> Answer {
        var fields: [HTTPField] = []
        if let bearer { fields.append(HTTPField("Authorization", "Bearer \(bearer)")) }
        if json != nil { fields.append(HTTPField("Content-Type", "application/json")) }
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { fields.append(HTTPField(name, value)) }
        let session = shared ?? makeSession(timeout: timeout)
        defer { if shared == nil { session.close() } }
        let response = try await session.send(method, url, headers: fields, body: json.map { Array($0) } ?? [])
        return Answer(status: response.status, body: Data(response.body), location: response.header("Location"))
    }

    /// A session whose connection is kept alive between requests (one per agent lane).
    static func makeSession(timeout: TimeInterval) -> RemoteHTTPSession {
        RemoteHTTPSession(
            timeout: .milliseconds(Int64(timeout * 1000)), userAgent: "preflight/\(PreflightVersion.current)")
    }

    /// `base` joined with `path`, base's own path kept (a service behind a path prefix).
    static func url(_ base: URL, _ path: String) -> URL {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return URL(string: text + path) ?? base
    }

    /// Checks a service URL: https, or http only to a loopback host unless `allowInsecure`.
    static func serviceURL(_ text: String, option: String, allowInsecure: Bool) throws -> URL {
        guard let url = URL(string: text.trimmingCharacters(in: .whitespaces)), let scheme = url.scheme?.lowercased(),
            let host = url.host, !host.isEmpty
        else {
            throw RemoteError("\(option) must be a URL such as https://preflight.example.com, got \(text.prefix(100))")
        }
        switch scheme {
        case "https": return url
        case "http":
            let loopback =
                ["127.0.0.1", "::1", "[::1]", "localhost"].contains(host.lowercased())
                || host.hasPrefix("127.")
            guard loopback || allowInsecure else {
                throw RemoteError(
                    "\(option) \(text.prefix(100)) is plain http to another host: the agent token and the pings' secrets would travel unencrypted; use https, or pass --allow-insecure-http on a network you trust"
                )
            }
            return url
        default:
            throw RemoteError("\(option) must start with https:// (or http:// for a loopback address)")
        }
    }
}

/// A remote command's failure, printed as is.
struct RemoteError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `--service` and `--api-key`: a remote Preflight service and the company key to use with it.
struct ServiceConnection {
    let url: URL
    let apiKey: String

    /// From the options or PREFLIGHT_SERVICE / PREFLIGHT_API_KEY.
    static func resolve(service: String?, apiKey: String?, allowInsecure: Bool) throws -> ServiceConnection {
        let environment = ProcessInfo.processInfo.environment
        guard let text = service ?? environment["PREFLIGHT_SERVICE"], !text.isEmpty else {
            throw RemoteError("--service URL is required (or PREFLIGHT_SERVICE)")
        }
        guard let key = apiKey ?? environment["PREFLIGHT_API_KEY"], !key.isEmpty else {
            throw RemoteError("--api-key arsk_... is required (or PREFLIGHT_API_KEY)")
        }
        return ServiceConnection(
            url: try RemoteHTTP.serviceURL(text, option: "--service", allowInsecure: allowInsecure), apiKey: key)
    }

    func send(_ method: String, _ path: String, json: Data? = nil, timeout: TimeInterval = 30) async throws
        -> RemoteHTTP.Answer
    {
        do {
            return try await RemoteHTTP.send(
                method, RemoteHTTP.url(url, path), bearer: apiKey, json: json, timeout: timeout)
        } catch {
            throw RemoteError("could not reach the service at \(url.absoluteString): \(error)")
        }
    }
}
