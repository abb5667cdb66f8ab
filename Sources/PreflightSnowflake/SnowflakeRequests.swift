import Foundation
import PreflightCore
import PreflightHTTP

/// The requests a Snowflake ping sends, built without I/O: the SQL API statement (key-pair), and the
/// session API's login, query and logout (password). The statement is read-only.
public enum SnowflakeRequests {
    /// What the ping asks: which role and warehouse the session got, and the server version.
    public static let statement = "SELECT CURRENT_ROLE(), CURRENT_WAREHOUSE(), CURRENT_VERSION()"
    /// The client name sent in password logins.
    public static let clientAppID = "Preflight"
    /// The client version sent in password logins.
    public static let clientAppVersion = "1.0.0"

    /// `POST /api/v2/statements` with a key-pair JWT (Snowflake SQL API), by default the check query.
    public static func sqlAPIStatement(
        jwt: String, warehouse: String, role: String?, timeoutSeconds: Int, statement: String = statement
    ) -> HTTPRequest {
        var body: [String: JSONValue] = [
            "statement": .string(statement),
            "warehouse": .string(warehouse),
            "timeout": .number(Double(max(1, timeoutSeconds))),
        ]
        if let role { body["role"] = .string(role) }
        return .json(
            "POST", "/api/v2/statements", .object(body),
            headers: [
                HTTPField("Authorization", "Bearer \(jwt)"),
                HTTPField("X-Snowflake-Authorization-Token-Type", "KEYPAIR_JWT"),
                HTTPField("Accept", "application/json"),
            ])
    }

    /// `POST /session/v1/login-request?warehouse=...[&roleName=...]` with a password.
    public static func login(
        account: String, user: String, password: String, warehouse: String, role: String?, requestID: UUID
    ) -> HTTPRequest {
        var query: [(String, String)] = [("request_id", requestID.uuidString.lowercased()), ("warehouse", warehouse)]
        if let role { query.append(("roleName", role)) }
        let body: JSONValue = .object([
            "data": .object([
                "CLIENT_APP_ID": .string(clientAppID),
                "CLIENT_APP_VERSION": .string(clientAppVersion),
                "ACCOUNT_NAME": .string(account),
                "LOGIN_NAME": .string(user),
                "PASSWORD": .string(password),
            ])
        ])
        return .json(
            "POST", "/session/v1/login-request?" + FormEncoding.encode(query), body,
            headers: [
                HTTPField("Accept", "application/json")
            ])
    }

    /// `POST /queries/v1/query-request` running `statement` (by default the check query) in the session of `sessionToken`.
    public static func query(
        sessionToken: String, requestID: UUID, submittedAtMillis: Int, statement: String = statement,
        sequenceID: Int = 1
    ) -> HTTPRequest {
        let body: JSONValue = .object([
            "sqlText": .string(statement),
            "asyncExec": .bool(false),
            "sequenceId": .number(Double(sequenceID)),
            "querySubmissionTime": .number(Double(submittedAtMillis)),
        ])
        return .json(
            "POST", "/queries/v1/query-request?requestId=" + requestID.uuidString.lowercased(), body,
            headers: [
                authorization(sessionToken),
                HTTPField("Accept", "application/json"),
            ])
    }

    /// `POST /session?delete=true`: ends the session of `sessionToken`.
    public static func logout(sessionToken: String) -> HTTPRequest {
        HTTPRequest(
            "POST", "/session?delete=true",
            headers: [authorization(sessionToken), HTTPField("Accept", "application/json")])
    }

    static func authorization(_ sessionToken: String) -> HTTPField {
        HTTPField("Authorization", "Snowflake Token=\"\(sessionToken)\"")
    }
}
