import PreflightCore
import PreflightHTTP

/// Google's default hosts and the checks on the URLs that override them.
enum GoogleEndpoints {
    static let bigQuery = "https://bigquery.googleapis.com"
    static let storage = "https://storage.googleapis.com"
    /// Cloud Resource Manager: a project's testIamPermissions (BigQuery destination readiness).
    static let resourceManager = "https://cloudresourcemanager.googleapis.com"

    /// The API's default base URL for a connector type.
    static func defaultAPI(for type: ConnectorType) -> String {
        type == .gcs ? storage : bigQuery
    }

    /// An https URL (a bearer token or a signed assertion must not travel in clear text). `key` is
    /// the name under `sharedConfig` ("endpointURL", "credentialsData.token_uri").
    static func parseHTTPS(_ text: String, key: String) throws(InvalidConfig) -> HTTPEndpoint {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.lowercased().hasPrefix("https://") else {
            throw InvalidConfig("sharedConfig.\(key) must be an https:// URL (credentials are sent to it)")
        }
        if trimmed.contains("?") || trimmed.contains("#") {
            throw InvalidConfig("sharedConfig.\(key) must be a URL without a query string or fragment")
        }
        return try HTTPEndpoint.parse(trimmed, key: key, defaultTLS: true)
    }

    /// `text` as one percent-encoded path segment or query value.
    static func encoded(_ text: String) -> String {
        FormEncoding.percentEncode(text)
    }
}
