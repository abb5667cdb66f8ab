import Foundation
import PreflightCore
import PreflightHTTP
import _CryptoExtras

/// A Google service-account key file (the JSON `gcloud iam service-accounts keys create` writes), checked field by field.
///
/// Every message names the field that is wrong and never quotes the file: it holds a private key.
public struct GoogleServiceAccount: Sendable {
    /// The account's email, the JWT's `iss` (`name@project.iam.gserviceaccount.com`).
    public var clientEmail: String
    /// The key's id, the JWT header's `kid`; Google uses it to pick the public key.
    public var privateKeyID: String
    /// The RSA key from `private_key`.
    public var privateKey: _RSA.Signing.PrivateKey
    /// Where assertions are exchanged for access tokens (`token_uri`), also the JWT's `aud`.
    public var tokenURI: String
    /// `project_id`: the project the account belongs to (not necessarily the one the ping reads).
    public var projectID: String?

    /// Google's token endpoint, used when the file has no `token_uri`.
    public static let defaultTokenURI = "https://oauth2.googleapis.com/token"
    /// A key file is about 2.3 KB; anything this large is something else.
    static let maximumSize = 64 << 10
    /// The prefix of every message about the whole value.
    static let key = "sharedConfig.credentialsData"

    public init(
        clientEmail: String, privateKeyID: String, privateKey: _RSA.Signing.PrivateKey, tokenURI: String,
        projectID: String?
    ) {
        self.clientEmail = clientEmail
        self.privateKeyID = privateKeyID
        self.privateKey = privateKey
        self.tokenURI = tokenURI
        self.projectID = projectID
    }

    /// Reads `credentialsData` as sent: the key file as a string (Artie's form), or already an object.
    public static func from(_ value: JSONValue) throws(InvalidConfig) -> GoogleServiceAccount {
        switch value {
        case .string(let text): return try parse(text)
        case .object(let members): return try parse(object: members)
        default:
            throw InvalidConfig(
                "\(key) must be the service-account key file's JSON as a string, not \(value.kindDescription)")
        }
    }

    /// Parses the key file's text.
    public static func parse(_ text: String) throws(InvalidConfig) -> GoogleServiceAccount {
        var body = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if body.hasPrefix("\u{FEFF}") { body.removeFirst() }
        let bytes = Array(body.utf8)
        guard bytes.count <= maximumSize else {
            throw InvalidConfig("\(key) is \(bytes.count) bytes; a service-account key file is about 2-3 KB")
        }
        if let problem = JSONSyntax.firstProblem(in: bytes) {
            throw InvalidConfig("\(key) is not JSON (\(problem))\(notJSONAdvice(body))")
        }
        guard let value = JSONValue.parse(bytes) else {
            throw InvalidConfig("\(key) is not JSON that can be read")
        }
        guard case .object(let members) = value else {
            throw InvalidConfig(
                "\(key) must be a JSON object (the service-account key file), not \(value.kindDescription)")
        }
        return try parse(object: members)
    }

    /// What a value that is not JSON probably is, as advice appended to the message (never quoting it).
    static func notJSONAdvice(_ text: String) -> String {
        if text.hasPrefix("-----BEGIN") {
            return
                "; it looks like a bare PEM key: paste the whole key file (JSON) the service account's Keys tab downloads"
        }
        if text.hasPrefix("/") || text.hasPrefix("~") || text.hasPrefix("C:\\")
            || (text.hasSuffix(".json") && !text.contains("{"))
        {
            return "; it looks like a file path: paste the file's contents, not its name"
        }
        if text.hasPrefix("ew"), text.count >= 16, !text.contains(where: { $0 == " " || $0 == "{" }),
            let decoded = Data(base64Encoded: text.replacingOccurrences(of: "\n", with: "")),
            decoded.first == UInt8(ascii: "{")
        {
            return "; it looks base64-encoded: paste the decoded JSON"
        }
        if text.hasPrefix("'") || text.hasPrefix("\"{") {
            return "; it looks quoted twice: paste the JSON itself"
        }
        return ""
    }

    /// Checks the fields of a parsed key file.
    public static func parse(object members: [String: JSONValue]) throws(InvalidConfig) -> GoogleServiceAccount {
        let type = try field("type", in: members)
        switch type {
        case "service_account": break
        case nil:
            throw InvalidConfig(
                "\(key).type is missing; Preflight needs a service-account key file (\"type\": \"service_account\")")
        case "authorized_user":
            throw InvalidConfig(
                "\(key) is a user credential (type authorized_user, from gcloud auth application-default login); Preflight needs a service-account key file (type service_account)"
            )
        case "external_account", "external_account_authorized_user":
            throw InvalidConfig(
                "\(key) is a workload identity federation configuration (type \(type!)); Preflight needs a service-account key file (type service_account)"
            )
        case "impersonated_service_account":
            throw InvalidConfig(
                "\(key) is an impersonation configuration (type impersonated_service_account); Preflight needs a service-account key file (type service_account)"
            )
        default:
            throw InvalidConfig("\(key).type must be \"service_account\"; this is not a service-account key file")
        }
        guard let clientEmail = try field("client_email", in: members) else {
            throw InvalidConfig("\(key).client_email is missing")
        }
        guard clientEmail.contains("@"), !clientEmail.contains(where: { $0.isWhitespace }), clientEmail.count <= 320
        else {
            throw InvalidConfig(
                "\(key).client_email is not an email address (expected name@project.iam.gserviceaccount.com)")
        }
        guard let privateKeyID = try field("private_key_id", in: members) else {
            throw InvalidConfig("\(key).private_key_id is missing")
        }
        guard privateKeyID.count <= 128,
            privateKeyID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else {
            throw InvalidConfig("\(key).private_key_id must be the key's id (hexadecimal, as in the key file)")
        }
        guard let pem = try field("private_key", in: members) else {
            throw InvalidConfig("\(key).private_key is missing")
        }
        let privateKey = try parseKey(pem)
        var tokenURI = defaultTokenURI
        if let given = try field("token_uri", in: members) {
            _ = try GoogleEndpoints.parseHTTPS(given, key: "credentialsData.token_uri")
            tokenURI = given.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let projectID = try field("project_id", in: members)
        return GoogleServiceAccount(
            clientEmail: clientEmail, privateKeyID: privateKeyID, privateKey: privateKey, tokenURI: tokenURI,
            projectID: projectID)
    }

    /// The PEM key (PKCS#8, or PKCS#1; line breaks written as the two characters `\n` are accepted too).
    static func parseKey(_ pem: String) throws(InvalidConfig) -> _RSA.Signing.PrivateKey {
        let field = "\(key).private_key"
        guard pem.contains("-----BEGIN") else {
            throw InvalidConfig("\(field) is not a PEM RSA private key (no -----BEGIN PRIVATE KEY----- line)")
        }
        return try RSAPrivateKeyPEM.parse(pem, field: field)
    }

    /// A string member: nil when absent, null or empty; an error naming the member when it is not a string.
    static func field(_ name: String, in members: [String: JSONValue]) throws(InvalidConfig) -> String? {
        switch members[name] ?? .null {
        case .null: return nil
        case .string(let text):
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? nil : (name == "private_key" ? text : trimmed)
        case let other: throw InvalidConfig("\(key).\(name) must be a string, not \(other.kindDescription)")
        }
    }
}
