import PreflightCore

/// What an HTTP error status means when nothing more specific is known: the one status table every
/// HTTP provider (Google, AWS, Snowflake, Databricks, ClickHouse, MotherDuck) consults after its own
/// provider-specific codes and bodies. The provider keeps its messages and hints; only the category
/// and transience live here.
///
/// | status      | category             | transient |
/// |-------------|----------------------|-----------|
/// | 401         | `auth`               | no        |
/// | 403         | `permission`         | no        |
/// | 404         | `database_not_found` | no        |
/// | 408         | `timeout`            | yes       |
/// | 429, 5xx    | `server_unavailable` | yes       |
///
/// Any other status has no generic meaning (nil): the provider decides. Pure.
public struct HTTPStatusCategory: Sendable, Equatable {
    /// What the status means.
    public let category: FailureCategory
    /// Whether trying again later, unchanged, may well succeed.
    public let transient: Bool

    /// The generic meaning of `status`, or nil when it has none (2xx, 3xx, and 4xx other than those above).
    public init?(status: Int) {
        switch status {
        case 401: (category, transient) = (.auth, false)
        case 403: (category, transient) = (.permission, false)
        case 404: (category, transient) = (.databaseNotFound, false)
        case 408: (category, transient) = (.timeout, true)
        case 429, 500...599: (category, transient) = (.serverUnavailable, true)
        default: return nil
        }
    }

    /// Whether `status` means the server is busy or failing right now (429 and 5xx): try again later.
    public static func isUnavailable(_ status: Int) -> Bool {
        HTTPStatusCategory(status: status)?.category == .serverUnavailable
    }

    /// A failure in this category, marked transient when the status is.
    public func failure(_ message: String, hint: String? = nil) -> ProbeFailure {
        ProbeFailure(category, message, hint: hint, transient: transient ? true : nil)
    }
}
