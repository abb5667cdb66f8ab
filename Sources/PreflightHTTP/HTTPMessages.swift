import PreflightCore

/// One header line.
public struct HTTPField: Sendable, Equatable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A request to send: the method, the path with its query (already percent-encoded), headers and body.
/// The client adds Host, Content-Length, User-Agent and Connection itself.
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    /// Path and query, starting with "/".
    public var path: String
    public var headers: [HTTPField]
    public var body: [UInt8]

    public init(_ method: String, _ path: String, headers: [HTTPField] = [], body: [UInt8] = []) {
        self.method = method
        self.path = path.hasPrefix("/") ? path : "/" + path
        self.headers = headers
        self.body = body
    }

    /// A request with a JSON body (`Content-Type: application/json`).
    public static func json(_ method: String, _ path: String, _ value: JSONValue, headers: [HTTPField] = [])
        -> HTTPRequest
    {
        HTTPRequest(
            method, path, headers: headers + [HTTPField("Content-Type", "application/json")], body: value.encodedBytes()
        )
    }

    /// A request with an `application/x-www-form-urlencoded` body.
    public static func form(_ method: String, _ path: String, _ fields: [(String, String)], headers: [HTTPField] = [])
        -> HTTPRequest
    {
        HTTPRequest(
            method, path, headers: headers + [HTTPField("Content-Type", "application/x-www-form-urlencoded")],
            body: Array(FormEncoding.encode(fields).utf8))
    }

    /// The value of the first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// A response as read off the wire (the body is capped by the client).
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var reason: String
    public var headers: [HTTPField]
    public var body: [UInt8]

    public init(status: Int, reason: String = "", headers: [HTTPField] = [], body: [UInt8] = []) {
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
    }

    /// The value of the first header named `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The body as text (invalid UTF-8 replaced).
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as JSON, or nil when it is not JSON.
    public func json() -> JSONValue? { JSONValue.parse(body) }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// "HTTP 403 Forbidden"
    public var statusLine: String { reason.isEmpty ? "HTTP \(status)" : "HTTP \(status) \(reason)" }

    /// The start of the body quoted by ``PeerText`` (at most `limit` characters), for messages about
    /// unexpected answers. A body that may hold a secret the caller sent needs a `redactor` that knows it.
    public func preview(_ limit: Int = 120, redactor: Redactor = Redactor(secrets: [])) -> String {
        PeerText.quote(text, redactor: redactor, limit: limit)
    }

    /// Whether the body looks like an HTML page (a proxy, a login page, the wrong host).
    public var looksLikeHTML: Bool {
        let start = text.prefix(512).lowercased()
        return start.contains("<html") || start.contains("<!doctype html")
    }
}

/// `application/x-www-form-urlencoded` and RFC 3986 percent-encoding.
public enum FormEncoding {
    /// RFC 3986 unreserved characters: never encoded.
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters (and `/` when `keepSlash`).
    public static func percentEncode(_ text: String, keepSlash: Bool = false) -> String {
        var out = ""
        for byte in text.utf8 {
            if isUnreserved(byte) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.unicodeScalars.append(UnicodeScalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    /// `a=1&b=two%20words`
    public static func encode(_ fields: [(String, String)]) -> String {
        fields.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
