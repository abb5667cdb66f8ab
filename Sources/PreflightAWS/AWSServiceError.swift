import PreflightCore

/// An error as an AWS service reports it: the code (`SignatureDoesNotMatch`, `AccessDenied`, ...)
/// and its message, read from an XML body (`<Error><Code>..</Code><Message>..</Message>`), a JSON body
/// (`__type`/`code` and `message`/`Message`), or the `x-amzn-ErrorType` header. Pure.
public struct AWSServiceError: Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String?
    /// Extra XML fields some errors carry (S3's `Region`, `BucketRegion`, `Endpoint`).
    public var region: String?

    public init(status: Int, code: String, message: String? = nil, region: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.region = region
    }

    /// "AccessDenied: Access Denied"
    public var description: String {
        guard let message, !message.isEmpty else { return code }
        return "\(code): \(message)"
    }

    /// The error in a response, or nil when the body and headers carry no AWS error (an HTML page,
    /// garbage, an empty body).
    public static func parse(status: Int, body: [UInt8], errorTypeHeader: String? = nil) -> AWSServiceError? {
        let text = String(decoding: body.prefix(64 * 1024), as: UTF8.self)
        let trimmed = text.drop { $0.isWhitespace }
        if trimmed.hasPrefix("<") {
            if let code = XMLText.firstElement("Code", in: text).flatMap(cleanCode), !code.isEmpty {
                let message = XMLText.firstElement("Message", in: text)
                let region = XMLText.firstElement("Region", in: text) ?? XMLText.firstElement("BucketRegion", in: text)
                return AWSServiceError(
                    status: status, code: code, message: message.map { PeerText.quote($0) }, region: region)
            }
        } else if trimmed.hasPrefix("{"), let json = JSONValue.parse(body) {
            let rawCode =
                json["__type"]?.stringValue ?? json["code"]?.stringValue ?? json["Code"]?.stringValue
                ?? json["error"]?.stringValue
            let message =
                json["message"]?.stringValue ?? json["Message"]?.stringValue
                ?? json["error_description"]?.stringValue
            if let code = (rawCode ?? errorTypeHeader).flatMap(cleanCode), !code.isEmpty {
                return AWSServiceError(status: status, code: code, message: message.map { PeerText.quote($0) })
            }
        }
        if let header = errorTypeHeader.flatMap(cleanCode), !header.isEmpty {
            return AWSServiceError(status: status, code: header)
        }
        return nil
    }

    /// `com.amazonaws.dynamodb.v20120810#ResourceNotFoundException` -> `ResourceNotFoundException`;
    /// `NotFoundException:http://internal.amazon.com/...` -> `NotFoundException`.
    static func cleanCode(_ raw: String) -> String? {
        var code = Substring(raw.trimmingCharacters(in: .whitespaces))
        if let hash = code.lastIndex(of: "#") { code = code[code.index(after: hash)...] }
        if let colon = code.firstIndex(of: ":") { code = code[..<colon] }
        guard code.count <= 100,
            code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_") })
        else { return nil }
        return String(code)
    }
}

/// Just enough XML for AWS's answers: the text of the first element with a given name, entities
/// decoded. Not a general parser; AWS's Query and REST-XML responses are flat enough for it.
public enum XMLText {
    /// The text inside the first `<name>` (or `<name attr=...>`) element, or nil.
    public static func firstElement(_ name: String, in text: String) -> String? {
        elements(name, in: text, limit: 1).first
    }

    /// The texts of up to `limit` elements named `name`, in order.
    public static func elements(_ name: String, in text: String, limit: Int = .max) -> [String] {
        var found: [String] = []
        var searchFrom = text.startIndex
        let close = "</\(name)>"
        while found.count < limit, let open = text.range(of: "<\(name)", range: searchFrom..<text.endIndex) {
            guard let tagEnd = text[open.upperBound...].firstIndex(of: ">") else { break }
            let between = text[open.upperBound..<tagEnd]
            // "<CodeX>" is another element; "<Code/>" is empty.
            if let first = between.first, first != " ", first != "/" {
                searchFrom = tagEnd
                continue
            }
            if between.hasSuffix("/") {
                found.append("")
                searchFrom = text.index(after: tagEnd)
                continue
            }
            let contentStart = text.index(after: tagEnd)
            guard let end = text.range(of: close, range: contentStart..<text.endIndex) else { break }
            found.append(decodeEntities(String(text[contentStart..<end.lowerBound])))
            searchFrom = end.upperBound
        }
        return found
    }

    /// Whether the text has an element named `name` (the root of a success answer, for example).
    public static func contains(_ name: String, in text: String) -> Bool {
        text.contains("<\(name)>") || text.contains("<\(name) ") || text.contains("<\(name)/>")
    }

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&#xD;", with: "").replacingOccurrences(of: "&amp;", with: "&")
    }
}
