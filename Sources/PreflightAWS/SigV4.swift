import Crypto
import Foundation
import PreflightHTTP

/// AWS Signature Version 4, as pure functions: the canonical request, the string to sign, the signing
/// key and the `Authorization` header. Every AWS call of this module is signed here and nowhere else.
public enum SigV4 {
    /// The algorithm name in the string to sign and the header.
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// SHA-256 of an empty payload.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// What gets signed: the method, the path as sent (percent-encoded, without the query), the query
    /// as raw name/value pairs, the headers to sign (Host included) and the payload's SHA-256 in hex.
    public struct Input: Sendable, Equatable {
        public var method: String
        public var path: String
        public var query: [QueryItem]
        public var headers: [HTTPField]
        public var payloadHash: String

        public init(method: String, path: String, query: [QueryItem] = [], headers: [HTTPField], payloadHash: String) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    /// One query parameter, not yet percent-encoded.
    public struct QueryItem: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Where a signature is valid: the day, the region and the service.
    public struct Scope: Sendable, Equatable {
        /// `yyyyMMdd'T'HHmmss'Z'`
        public var amzDate: String
        public var region: String
        public var service: String

        public init(amzDate: String, region: String, service: String) {
            self.amzDate = amzDate
            self.region = region
            self.service = service
        }

        /// `yyyyMMdd`
        public var day: String { String(amzDate.prefix(8)) }
        /// `20150830/us-east-1/iam/aws4_request`
        public var credentialScope: String { "\(day)/\(region)/\(service)/aws4_request" }
    }

    /// Every intermediate value, for tests and debugging (none of them is secret but the key).
    public struct Signature: Sendable, Equatable {
        public var canonicalRequest: String
        public var stringToSign: String
        public var signedHeaders: String
        public var signature: String
        public var authorization: String
    }

    // MARK: Canonical request

    /// The path in canonical form: S3 signs the path as sent; every other service signs it
    /// percent-encoded once more (`%` becomes `%25`), segment by segment. An empty path is "/".
    public static func canonicalURI(_ path: String, service: String) -> String {
        guard !path.isEmpty else { return "/" }
        if service == "s3" { return path }
        return path.split(separator: "/", omittingEmptySubsequences: false)
            .map { FormEncoding.percentEncode(String($0)) }
            .joined(separator: "/")
    }

    /// Parameters encoded (RFC 3986 unreserved characters kept) and sorted by name, then value.
    public static func canonicalQuery(_ items: [QueryItem]) -> String {
        let encoded: [(name: String, value: String)] = items.map { item in
            (FormEncoding.percentEncode(item.name), FormEncoding.percentEncode(item.value))
        }
        let sorted = encoded.sorted { left, right in
            left.name == right.name ? left.value < right.value : left.name < right.name
        }
        return sorted.map { pair in pair.name + "=" + pair.value }.joined(separator: "&")
    }

    /// The query as sent on the wire (same encoding, given order).
    public static func wireQuery(_ items: [QueryItem]) -> String {
        items.map { "\(FormEncoding.percentEncode($0.name))=\(FormEncoding.percentEncode($0.value))" }.joined(
            separator: "&")
    }

    /// Lower-cased names, sorted; values trimmed with inner runs of spaces collapsed; repeated
    /// headers joined with commas in their given order. Returns the block and the signed-headers list.
    public static func canonicalHeaders(_ headers: [HTTPField]) -> (block: String, signed: String) {
        var values: [String: [String]] = [:]
        for field in headers {
            values[field.name.lowercased(), default: []].append(collapse(field.value))
        }
        let names = values.keys.sorted()
        let block = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        return (block, names.joined(separator: ";"))
    }

    private static func collapse(_ value: String) -> String {
        value.trimmingCharacters(in: .whitespaces)
            .split(separator: " ", omittingEmptySubsequences: true)
            .joined(separator: " ")
    }

    /// The six-part canonical request.
    public static func canonicalRequest(_ input: Input, service: String) -> (request: String, signedHeaders: String) {
        let headers = canonicalHeaders(input.headers)
        let text = [
            input.method.uppercased(),
            canonicalURI(input.path, service: service),
            canonicalQuery(input.query),
            headers.block,
            headers.signed,
            input.payloadHash,
        ].joined(separator: "\n")
        return (text, headers.signed)
    }

    // MARK: String to sign, key, signature

    /// `AWS4-HMAC-SHA256\n<date>\n<scope>\n<hex sha256 of the canonical request>`
    public static func stringToSign(canonicalRequest: String, scope: Scope) -> String {
        [algorithm, scope.amzDate, scope.credentialScope, hex(SHA256.hash(data: Array(canonicalRequest.utf8)))]
            .joined(separator: "\n")
    }

    /// HMAC chain "AWS4"+secret -> day -> region -> service -> "aws4_request".
    public static func signingKey(secret: String, day: String, region: String, service: String) -> SymmetricKey {
        var key = SymmetricKey(data: Array(("AWS4" + secret).utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return key
    }

    /// Signs `input` (whose headers must already hold Host and X-Amz-Date and any token) for `scope`.
    public static func sign(_ input: Input, credentials: AWSCredentials, scope: Scope) -> Signature {
        let canonical = canonicalRequest(input, service: scope.service)
        let toSign = stringToSign(canonicalRequest: canonical.request, scope: scope)
        let key = signingKey(
            secret: credentials.secretAccessKey, day: scope.day, region: scope.region, service: scope.service)
        let signature = hex(HMAC<SHA256>.authenticationCode(for: Array(toSign.utf8), using: key))
        let authorization =
            "\(algorithm) Credential=\(credentials.accessKeyID)/\(scope.credentialScope), "
            + "SignedHeaders=\(canonical.signedHeaders), Signature=\(signature)"
        return Signature(
            canonicalRequest: canonical.request, stringToSign: toSign, signedHeaders: canonical.signedHeaders,
            signature: signature, authorization: authorization)
    }

    // MARK: Whole requests

    /// A request ready to send: `headers` (given ones plus X-Amz-Date, X-Amz-Security-Token for session
    /// credentials, X-Amz-Content-SHA256 for S3, and Authorization), all of them signed with Host.
    /// `path` is the path as sent, including any base path of the endpoint.
    public static func signedHeaders(
        method: String, host: String, path: String, query: [QueryItem], headers: [HTTPField], body: [UInt8],
        credentials: AWSCredentials, region: String, service: String, date: Date
    ) -> (headers: [HTTPField], signature: Signature) {
        let payloadHash = hex(SHA256.hash(data: body))
        var signed = headers
        signed.append(HTTPField("X-Amz-Date", amzDate(date)))
        if service == "s3" { signed.append(HTTPField("X-Amz-Content-SHA256", payloadHash)) }
        if let token = credentials.sessionToken { signed.append(HTTPField("X-Amz-Security-Token", token)) }
        let input = Input(
            method: method, path: path, query: query, headers: signed + [HTTPField("Host", host)],
            payloadHash: payloadHash)
        let signature = sign(
            input, credentials: credentials, scope: Scope(amzDate: amzDate(date), region: region, service: service))
        signed.append(HTTPField("Authorization", signature.authorization))
        return (signed, signature)
    }

    /// `yyyyMMdd'T'HHmmss'Z'` in UTC.
    public static func amzDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(parts.year, 4) + pad(parts.month, 2) + pad(parts.day, 2) + "T"
            + pad(parts.hour, 2) + pad(parts.minute, 2) + pad(parts.second, 2) + "Z"
    }

    /// Lower-case hex.
    public static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Hex of a key's bytes (tests compare the derived signing key with AWS's example).
    public static func hex(_ key: SymmetricKey) -> String {
        key.withUnsafeBytes { hex(Array($0)) }
    }
}
