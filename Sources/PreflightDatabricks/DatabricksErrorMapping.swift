import PreflightCore
import PreflightHTTP

/// What a Databricks failure message names: the workspace, the principal, the resource asked for.
public struct DatabricksFailureContext: Sendable, Equatable {
    /// "https://host[:port]"
    public var workspace: String
    /// "the personal access token" or "service principal <client id>"
    public var principal: String
    /// "SQL warehouse abc123", "volume main.raw.files"
    public var resource: String
    /// What to grant, for 403s ("CAN USE on the SQL warehouse").
    public var grantHint: String

    public init(workspace: String, principal: String, resource: String, grantHint: String) {
        self.workspace = workspace
        self.principal = principal
        self.resource = resource
        self.grantHint = grantHint
    }
}

/// Databricks REST errors (`{"error_code": "...", "message": "..."}`) and OAuth errors
/// (`{"error": "...", "error_description": "..."}`) to categorised failures. Pure.
///
/// Databricks' own cases first: 403 from an IP access list; 404 with an error code (RESOURCE_DOES_NOT_EXIST,
/// NOT_FOUND, ...) or a 400 saying "does not exist" -> database_not_found; another 400 with an error code ->
/// invalid_config. Then ``HTTPStatusCategory`` (401 auth, 403 permission, 429 and 5xx server_unavailable);
/// anything else without JSON (a 404 HTML page) is protocol_mismatch, with JSON permission.
public enum DatabricksErrorMapping {
    /// The error code and message of a REST or OAuth error body, quoted by ``PeerText`` with the
    /// secrets `redactor` knows removed.
    public static func said(_ response: HTTPResponse, redactor: Redactor) -> String {
        let json = response.json()
        let code = json?["error_code"]?.stringValue ?? json?["error"]?.stringValue
        let message = json?["message"]?.stringValue ?? json?["error_description"]?.stringValue
        var parts: [String] = []
        if let code, !code.isEmpty { parts.append(code) }
        if let message, !message.isEmpty { parts.append(message) }
        let text = parts.isEmpty ? response.statusLine : "\(response.status) " + parts.joined(separator: ": ")
        return PeerText.quote(text, redactor: redactor)
    }

    /// The error code of a REST error body, if any.
    static func errorCode(_ response: HTTPResponse) -> String? {
        response.json()?["error_code"]?.stringValue ?? response.json()?["error"]?.stringValue
    }

    /// A failure for a non-2xx REST answer about `context.resource`.
    public static func failure(_ response: HTTPResponse, context: DatabricksFailureContext, redactor: Redactor)
        -> ProbeFailure
    {
        let said = said(response, redactor: redactor)
        let lower = said.lowercased()
        switch response.status {
        case 403 where lower.contains("ip") && (lower.contains("blocked") || lower.contains("access list")):
            return ProbeFailure(
                .permission, "the workspace's IP access list refused this service: \(said)",
                hint: "add this service's egress IP addresses to the workspace's IP access list")
        case 404 where response.json()?.objectValue != nil,
            400 where said.lowercased().contains("does not exist"):
            return ProbeFailure(
                .databaseNotFound,
                "\(context.resource) does not exist in \(context.workspace) (or is not visible to \(context.principal)): \(said)",
                hint:
                    "check the name in the workspace; Databricks also answers 'does not exist' when the principal may not see it"
            )
        case 400 where response.json()?.objectValue != nil:
            return ProbeFailure(
                .invalidConfig, "Databricks refused the request for \(context.resource): \(said)",
                hint: "check sharedConfig.httpPath and sharedConfig.volume")
        default: break
        }
        if let generic = HTTPStatusCategory(status: response.status) {
            switch generic.category {
            case .auth:
                return ProbeFailure(
                    .auth, "Databricks rejected \(context.principal) at \(context.workspace): \(said)",
                    hint: context.principal.hasPrefix("service principal")
                        ? "check that the service principal belongs to this workspace and its OAuth secret is current"
                        : "the token is wrong, expired or revoked, or belongs to another workspace: create a new one under Settings → Developer → Access tokens"
                )
            case .permission:
                return ProbeFailure(
                    .permission, "\(context.principal) may not read \(context.resource): \(said)",
                    hint: "grant \(context.principal) \(context.grantHint)")
            case .serverUnavailable, .timeout:
                return generic.failure(
                    "Databricks could not answer about \(context.resource) right now: \(said)",
                    hint: "a transient Databricks problem; try again in a minute")
            default: break  // a 404 without an error code: below
            }
        }
        if response.json() == nil {
            return notDatabricks(response, workspace: context.workspace)
        }
        return ProbeFailure(
            .permission, "Databricks refused the request for \(context.resource): \(said)",
            hint: "grant \(context.principal) \(context.grantHint)")
    }

    /// The answer is not Databricks' JSON (an HTML page, a proxy, the wrong host).
    public static func notDatabricks(_ response: HTTPResponse, workspace: String) -> ProbeFailure {
        let what =
            response.looksLikeHTML
            ? "an HTML page" : response.body.isEmpty ? "an empty body" : "a body that is not JSON"
        return ProbeFailure(
            .protocolMismatch, "\(workspace) answered with \(what) (\(response.statusLine)), not Databricks' REST API",
            hint:
                "sharedConfig.host must be the workspace host (e.g. adb-1234567890123456.7.azuredatabricks.net or dbc-a1b2c3d4-e5f6.cloud.databricks.com), not the account console or a proxy"
        )
    }
}
