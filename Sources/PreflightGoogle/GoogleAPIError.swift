import PreflightCore
import PreflightHTTP

/// A Google API error body: `{"error": {"code": 403, "message": "...", "status": "PERMISSION_DENIED",
/// "errors": [{"reason": "accessDenied", ...}], "details": [{"reason": "SERVICE_DISABLED", ...}]}}`. Pure.
struct GoogleAPIError: Sendable, Equatable {
    var code: Int?
    var message: String?
    /// The canonical status (`PERMISSION_DENIED`, `NOT_FOUND`, ...), when given (BigQuery gives it, GCS often not).
    var status: String?
    /// The legacy reasons (`accessDenied`, `notFound`, `accessNotConfigured`, ...) and the `ErrorInfo` reasons
    /// (`SERVICE_DISABLED`, ...).
    var reasons: [String]

    /// Nil when the body is not a Google API error.
    static func parse(_ json: JSONValue) -> GoogleAPIError? {
        guard let error = json["error"], case .object = error else { return nil }
        var reasons: [String] = []
        for item in error["errors"]?.arrayValue ?? [] {
            if let reason = item["reason"]?.stringValue, !reasons.contains(reason) { reasons.append(reason) }
        }
        for item in error["details"]?.arrayValue ?? [] {
            if let reason = item["reason"]?.stringValue, !reasons.contains(reason) { reasons.append(reason) }
        }
        let parsed = GoogleAPIError(
            code: error["code"]?.intValue, message: error["message"]?.stringValue,
            status: error["status"]?.stringValue, reasons: reasons)
        return parsed.message == nil && parsed.status == nil && reasons.isEmpty && parsed.code == nil ? nil : parsed
    }

    static func parse(_ body: [UInt8]) -> GoogleAPIError? {
        JSONValue.parse(body).flatMap(parse)
    }

    /// The codes first, then Google's message: "PERMISSION_DENIED/accessDenied: Access Denied: ...".
    func summary(scrubbing secrets: [String] = []) -> String {
        let codes = ([status].compactMap { $0 } + reasons).map { PeerText.quote($0) }.filter { !$0.isEmpty }
        let tag = codes.isEmpty ? (code.map { "error \($0)" } ?? "error") : codes.joined(separator: "/")
        guard let message, !message.isEmpty else { return tag }
        return "\(tag): \(PeerText.quote(message, scrubbing: secrets))"
    }

    func has(_ reason: String) -> Bool {
        reasons.contains { $0.caseInsensitiveCompare(reason) == .orderedSame }
            || status?.caseInsensitiveCompare(reason) == .orderedSame
    }

    /// The API is switched off in the project ("BigQuery API has not been used in project 123 before or it is disabled").
    var isServiceDisabled: Bool {
        if has("accessNotConfigured") || has("SERVICE_DISABLED") { return true }
        let text = (message ?? "").lowercased()
        return text.contains("has not been used in project") || (text.contains("api") && text.contains("is disabled"))
    }

    var isBillingProblem: Bool {
        has("billingNotEnabled") || has("BILLING_DISABLED") || has("accountDisabled")
            || (message ?? "").lowercased().contains("billing")
    }

    var isRateLimit: Bool {
        ["rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "RATE_LIMIT_EXCEEDED", "RESOURCE_EXHAUSTED"]
            .contains(where: has)
    }
}

/// One API call's context for turning a non-2xx answer into a failure. Pure.
struct GoogleCall: Sendable {
    /// "listing the datasets of project p".
    var what: String
    /// "BigQuery API" or "Cloud Storage JSON API", for the enable-the-API hint.
    var apiName: String
    /// "bigquery.googleapis.com" or "storage-api.googleapis.com", for the console link.
    var serviceName: String
    var projectID: String
    var email: String
    /// The message when the answer is 404 (a resource that does not exist, or that the account cannot see).
    var notFound: String
    var notFoundHint: String
    /// What the account needs, for a 403.
    var permissionHint: String
    /// What to check for a 400.
    var invalidHint: String
    /// Strings that must not reach the report (the access token).
    var secrets: [String] = []

    func failure(status: Int, statusLine: String, body: [UInt8]) -> ProbeFailure {
        guard let error = GoogleAPIError.parse(body) else {
            if HTTPStatusCategory.isUnavailable(status) {
                return ProbeFailure(
                    .serverUnavailable, "\(what): \(statusLine)",
                    hint: "Google is busy or failing; try again in a minute", transient: true)
            }
            return ProbeFailure(
                .protocolMismatch, "\(what): \(statusLine) with a body that is not a Google API error",
                hint:
                    "check sharedConfig.endpointURL: it must be Google's API (or a proxy that passes its answers through)"
            )
        }
        let said = "\(statusLine) \(error.summary(scrubbing: secrets))"
        if error.isRateLimit || status == 429 {
            return ProbeFailure(
                .serverUnavailable, "\(what): \(said)", hint: "a quota or rate limit was hit; try again in a minute",
                transient: true)
        }
        switch status {
        case 403 where error.isServiceDisabled:
            return ProbeFailure(
                .permission, "\(what): the \(apiName) is not enabled in project \(projectID) (\(said))",
                hint:
                    "enable it: https://console.cloud.google.com/apis/library/\(serviceName)?project=\(GoogleEndpoints.encoded(projectID)) (it takes a few minutes to apply)"
            )
        case 403 where error.isBillingProblem:
            return ProbeFailure(
                .permission, "\(what): project \(projectID) has a billing problem (\(said))",
                hint: "link the project to an active billing account (Billing > Account management)")
        case 400:
            return ProbeFailure(.invalidConfig, "\(what): Google refused the request (\(said))", hint: invalidHint)
        default: break
        }
        guard let generic = HTTPStatusCategory(status: status) else {
            return ProbeFailure(.protocolMismatch, "\(what): unexpected \(said)")
        }
        switch generic.category {
        case .auth:
            return ProbeFailure(
                .auth, "\(what): Google did not accept the access token of service account \(email) (\(said))",
                hint:
                    "the token endpoint issued a token this API does not accept: check sharedConfig.tokenURL, credentialsData.token_uri and sharedConfig.endpointURL"
            )
        case .permission:
            return ProbeFailure(
                .permission, "\(what): service account \(email) lacks a right (\(said))", hint: permissionHint)
        case .databaseNotFound:
            return ProbeFailure(.databaseNotFound, "\(notFound) (\(said))", hint: notFoundHint)
        default:
            return generic.failure(
                "\(what): \(said)", hint: generic.transient ? "Google is failing; try again in a minute" : nil)
        }
    }
}
