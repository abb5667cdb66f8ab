import PreflightCore
import PreflightHTTP

/// What a `bigquery` or `gcs` ping needs, read from the payload.
///
/// Artie's keys: `projectID` (required), `credentialsData` (the service-account key file's JSON, as a
/// string), and for bigquery `location` (US, EU or a region). Preflight's extension keys:
/// - `dataset` (bigquery): a dataset to look up; its location must match `location`;
/// - `bucket` (gcs): a bucket whose object rights are tested; `writeTest` (gcs): upload and delete one empty object;
/// - `endpointURL`: the API's base URL (default https://bigquery.googleapis.com or https://storage.googleapis.com);
/// - `tokenURL`: the token endpoint, overriding the key file's `token_uri` (itself defaulting to
///   https://oauth2.googleapis.com/token);
/// - `sslRootCert`: PEM CA bundle to trust instead of the system's, for both hosts.
public struct GoogleConfig: Sendable {
    public var type: ConnectorType
    public var projectID: String
    public var account: GoogleServiceAccount
    /// bigquery: the configured location, in BigQuery's spelling.
    public var location: String?
    /// bigquery: the dataset to look up.
    public var dataset: String?
    /// gcs: the bucket whose rights are tested.
    public var bucket: String?
    /// gcs: `writeTest: true`, upload and delete one empty object `preflight_<uuid>` in the bucket.
    public var writeTest = false
    public var api: HTTPEndpoint
    /// bigquery: Cloud Resource Manager (the project's testIamPermissions); `endpointURL` replaces it too.
    public var resourceManager: HTTPEndpoint
    public var token: HTTPEndpoint
    /// The token endpoint as a URL, the JWT's `aud`.
    public var tokenURL: String
    public var rootCertificatesPEM: String?

    public init(payload: ConnectorPayload) throws(InvalidConfig) {
        let config = payload.sharedConfig
        type = payload.type
        projectID = try Self.projectID(try config.requiredString("projectID", for: type))
        guard let credentials = config["credentialsData"], credentials != .null, credentials != .string("") else {
            throw InvalidConfig(
                "sharedConfig.credentialsData is required for \(type.rawValue) (the service-account key file's JSON)")
        }
        if case .string(let text) = credentials, text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw InvalidConfig(
                "sharedConfig.credentialsData is required for \(type.rawValue) (the service-account key file's JSON)")
        }
        account = try GoogleServiceAccount.from(credentials)
        if type == .bigquery {
            if let text = try config.string("location") {
                location = try BigQueryLocation.validate(text, key: "sharedConfig.location")
            }
            if let text = try config.string("dataset") {
                dataset = try Self.datasetID(text)
            }
        }
        if type == .gcs, let text = try config.string("bucket") {
            bucket = try Self.bucketName(text)
        }
        if type == .gcs { writeTest = try config.bool("writeTest") ?? false }
        let override = try config.string("endpointURL")
        api = try GoogleEndpoints.parseHTTPS(override ?? GoogleEndpoints.defaultAPI(for: type), key: "endpointURL")
        resourceManager =
            override != nil ? api : try GoogleEndpoints.parseHTTPS(GoogleEndpoints.resourceManager, key: "endpointURL")
        if let override = try config.string("tokenURL") {
            token = try GoogleEndpoints.parseHTTPS(override, key: "tokenURL")
            tokenURL = override.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            token = try GoogleEndpoints.parseHTTPS(account.tokenURI, key: "credentialsData.token_uri")
            tokenURL = account.tokenURI
        }
        if let pem = try config.string("sslRootCert") {
            guard pem.contains("-----BEGIN CERTIFICATE-----") else {
                throw InvalidConfig("sharedConfig.sslRootCert must be PEM text containing -----BEGIN CERTIFICATE-----")
            }
            rootCertificatesPEM = pem
        }
    }

    /// A note for the report when `projectID` is not the project the key file belongs to (allowed:
    /// an account may be granted rights in other projects).
    public var projectNote: String? {
        guard let own = account.projectID, own != projectID else { return nil }
        return "the service account belongs to project \(own); the ping reads project \(projectID)"
    }

    /// A project ID (`my-project-123`), a domain-scoped one (`example.com:my-project`) or a project number.
    static func projectID(_ raw: String) throws(InvalidConfig) -> String {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count <= 100 else {
            throw InvalidConfig("sharedConfig.projectID is longer than 100 characters; a project ID has at most 30")
        }
        if text.contains(where: { $0.isWhitespace }) || text.contains(where: { $0.isUppercase }) {
            throw InvalidConfig(
                "sharedConfig.projectID must be the project ID (lowercase letters, digits and hyphens, e.g. my-project-123), not the project's display name"
            )
        }
        let allowed = text.allSatisfy {
            $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "." || $0 == ":")
        }
        guard allowed, let first = text.first, first.isLetter || first.isNumber, text.last != "-" else {
            throw InvalidConfig(
                "sharedConfig.projectID must be a project ID: lowercase letters, digits and hyphens, starting with a letter (e.g. my-project-123)"
            )
        }
        return text
    }

    /// A BigQuery dataset ID: letters, digits and underscores, at most 1024.
    static func datasetID(_ raw: String) throws(InvalidConfig) -> String {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.contains(".") || text.contains(":") {
            throw InvalidConfig(
                "sharedConfig.dataset must be the dataset ID alone (the project comes from sharedConfig.projectID)")
        }
        guard text.count <= 1024, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw InvalidConfig(
                "sharedConfig.dataset must be a dataset ID: letters, digits and underscores, at most 1024 characters")
        }
        return text
    }

    /// A bucket name (a `gs://` prefix and a trailing slash are tolerated): 3-63 characters of
    /// lowercase letters, digits, `-`, `_` and `.` (up to 222 with dots), starting and ending with a letter or digit.
    static func bucketName(_ raw: String) throws(InvalidConfig) -> String {
        var text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.lowercased().hasPrefix("gs://") { text = String(text.dropFirst(5)) }
        while text.hasSuffix("/") { text.removeLast() }
        if text.contains("/") {
            throw InvalidConfig(
                "sharedConfig.bucket must be a bucket name without a path (e.g. my-bucket, not my-bucket/folder)")
        }
        let limit = text.contains(".") ? 222 : 63
        let allowed = text.allSatisfy {
            $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".")
        }
        guard (3...limit).contains(text.count), allowed,
            let first = text.first, let last = text.last,
            first.isLowercase || first.isNumber, last.isLowercase || last.isNumber
        else {
            throw InvalidConfig(
                "sharedConfig.bucket must be a bucket name: 3-63 lowercase letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
            )
        }
        return text
    }
}
