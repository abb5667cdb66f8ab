import PreflightCore
import PreflightHTTP

/// Reads Snowflake's HTTP answers into a row, a session token or a categorised failure. Pure: every
/// case is testable without a server. Texts from the peer pass through `redactor` (the runtime
/// token, the JWT, the password) before they reach a message.
public enum SnowflakeAnswers {
    /// The SQL API's answer to the statement.
    public static func statement(
        _ response: HTTPResponse, context: SnowflakeFailureContext, redactor: Redactor
    ) -> Result<SnowflakeSessionRow, ProbeFailure> {
        if let failure = notSnowflake(response, context: context, redactor: redactor, api: "SQL API") {
            return .failure(failure)
        }
        let json = response.json()!
        if response.status == 200, let row = SnowflakeSessionRow.fromSQLAPI(json) { return .success(row) }
        if response.status == 202 {
            return .failure(
                ProbeFailure(
                    .serverUnavailable,
                    "Snowflake accepted the check query but had not finished it when it answered (HTTP 202): the warehouse may be resuming or queued",
                    hint: "try again in a minute; if it persists, check the warehouse's queue and size", transient: true
                ))
        }
        if let error = SnowflakeError.from(json), !response.isSuccess || SnowflakeSessionRow.fromSQLAPI(json) == nil {
            return .failure(
                SnowflakeErrorMapping.failure(
                    for: error, status: response.status, phase: .statement, context: context, redactor: redactor))
        }
        if !response.isSuccess {
            return .failure(
                SnowflakeErrorMapping.byStatus(
                    response.status, said: response.statusLine, phase: .statement,
                    who: "user \(context.user) in account \(context.account)"))
        }
        return .failure(
            ProbeFailure(
                .protocolMismatch,
                "\(context.server) answered the SQL API statement with JSON that has no result row (\(response.statusLine))",
                hint: "check that accountIdentifier / accountURL name a Snowflake account"))
    }

    /// The session API's answer to a password login.
    public static func login(
        _ response: HTTPResponse, context: SnowflakeFailureContext, redactor: Redactor
    ) -> Result<String, ProbeFailure> {
        if let failure = notSnowflake(response, context: context, redactor: redactor, api: "login API") {
            return .failure(failure)
        }
        switch SnowflakeLoginResult.from(response.json()!) {
        case .token(let token)?:
            return .success(token)
        case .failed(let error)?:
            return .failure(
                SnowflakeErrorMapping.failure(
                    for: error, status: response.status, phase: .login, context: context, redactor: redactor))
        case nil:
            if let error = SnowflakeError.from(response.json()!) {
                return .failure(
                    SnowflakeErrorMapping.failure(
                        for: error, status: response.status, phase: .login, context: context, redactor: redactor))
            }
            if !response.isSuccess {
                return .failure(
                    SnowflakeErrorMapping.byStatus(
                        response.status, said: response.statusLine, phase: .login,
                        who: "user \(context.user) in account \(context.account)"))
            }
            return .failure(
                ProbeFailure(
                    .protocolMismatch,
                    "\(context.server) answered the login with JSON that is neither a session nor an error (\(response.statusLine))",
                    hint: "check that accountIdentifier / accountURL name a Snowflake account"))
        }
    }

    /// The session API's answer to the query.
    public static func query(
        _ response: HTTPResponse, context: SnowflakeFailureContext, redactor: Redactor
    ) -> Result<SnowflakeSessionRow, ProbeFailure> {
        if let failure = notSnowflake(response, context: context, redactor: redactor, api: "query API") {
            return .failure(failure)
        }
        let json = response.json()!
        if json["success"]?.boolValue == true, let row = SnowflakeSessionRow.fromQueryResponse(json) {
            return .success(row)
        }
        if let error = SnowflakeError.from(json) {
            return .failure(
                SnowflakeErrorMapping.failure(
                    for: error, status: response.status, phase: .query, context: context, redactor: redactor))
        }
        if !response.isSuccess {
            return .failure(
                SnowflakeErrorMapping.byStatus(
                    response.status, said: response.statusLine, phase: .query,
                    who: "user \(context.user) in account \(context.account)"))
        }
        return .failure(
            ProbeFailure(
                .protocolMismatch,
                "\(context.server) answered the query with JSON that has no result row (\(response.statusLine))",
                hint: "check that accountIdentifier / accountURL name a Snowflake account"))
    }

    /// A failure when the answer is not Snowflake JSON at all (an HTML page, plain text); nil when it is JSON.
    static func notSnowflake(
        _ response: HTTPResponse, context: SnowflakeFailureContext, redactor: Redactor, api: String
    ) -> ProbeFailure? {
        guard response.json() == nil else { return nil }
        if HTTPStatusCategory.isUnavailable(response.status) {
            return ProbeFailure(
                .serverUnavailable, "\(context.server) could not serve the \(api) right now (\(response.statusLine))",
                hint: "a transient problem; try again in a minute", transient: true)
        }
        let what =
            response.looksLikeHTML
            ? "an HTML page" : response.body.isEmpty ? "an empty body" : "a body that is not JSON"
        var preview = response.preview(80, redactor: redactor)
        preview = preview.isEmpty || response.looksLikeHTML ? "" : ": \(preview)"
        return ProbeFailure(
            .protocolMismatch,
            "\(context.server) answered Snowflake's \(api) with \(what) (\(response.statusLine))\(preview)",
            hint:
                "check accountIdentifier (orgname-accountname or the account locator with its region) and accountURL; the address does not serve Snowflake's API"
        )
    }
}
