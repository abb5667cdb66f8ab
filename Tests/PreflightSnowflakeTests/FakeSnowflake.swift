import Crypto
import Foundation
import PreflightCore
import PreflightHTTP
import PreflightTestSupport
import Synchronization
import _CryptoExtras

/// A local stand-in for a Snowflake account that enforces the real rules a ping meets:
/// - SQL API (`POST /api/v2/statements`): the `X-Snowflake-Authorization-Token-Type: KEYPAIR_JWT` header,
///   an RS256 JWT whose signature verifies against the user's registered public key, `iss` =
///   `<ACCOUNT>.<USER>.SHA256:<fingerprint of that key>`, `sub` = `<ACCOUNT>.<USER>`, `exp - iat <= 3600`,
///   not expired; otherwise 401 `390144`;
/// - session API: `login-request` checks account, user and password (`390100`), `query-request` needs
///   the session token, `session?delete=true` ends it;
/// - the role must be granted to the user (`390186`); `CURRENT_WAREHOUSE()` is NULL unless the
///   warehouse exists and the role has USAGE on it.
final class FakeSnowflake: Sendable {
    struct User: Sendable {
        var publicKey: _RSA.Signing.PublicKey?
        var password: String?
        var defaultRole: String
        var roles: Set<String>
    }

    /// The account name as JWTs and logins must give it.
    let account: String
    let users: [String: User]
    /// Warehouse name -> roles with USAGE.
    let warehouses: [String: Set<String>]
    /// Role -> its own grants (privilege, granted_on, name), as SHOW GRANTS TO ROLE lists them; USAGE on
    /// the warehouses above is added.
    let grants: [String: [(privilege: String, on: String, name: String)]]
    /// Warehouse name -> (state, auto_resume) for SHOW WAREHOUSES (default STARTED, true).
    let warehouseStates: [String: (state: String, autoResume: Bool)]
    /// When set, the session API's query answers with an error that echoes the session token.
    let echoTokenInQueryError: Bool
    let sessionTokenPrefix = "planted-session-token-"

    private let state = Mutex<
        (
            sessions: [String: (user: String, role: String, warehouse: String?)], issued: [String], jwts: [String],
            statements: [String]
        )
    >(([:], [], [], []))

    init(
        account: String, users: [String: User], warehouses: [String: Set<String>],
        grants: [String: [(privilege: String, on: String, name: String)]] = [:],
        warehouseStates: [String: (state: String, autoResume: Bool)] = [:], echoTokenInQueryError: Bool = false
    ) {
        self.account = account
        self.users = users
        self.warehouses = warehouses
        self.grants = grants
        self.warehouseStates = warehouseStates
        self.echoTokenInQueryError = echoTokenInQueryError
    }

    /// Statements run so far (SQL API and session API).
    var statements: [String] { state.withLock { $0.statements } }

    /// Session tokens handed out so far.
    var issuedTokens: [String] { state.withLock { $0.issued } }
    /// JWTs presented so far.
    var presentedJWTs: [String] { state.withLock { $0.jwts } }
    /// Sessions still open.
    var openSessions: Int { state.withLock { $0.sessions.count } }

    func handle(_ request: ScriptedHTTPServer.Request) -> ScriptedHTTPServer.Response {
        switch (request.method, request.pathOnly) {
        case ("POST", "/api/v2/statements"): return statement(request)
        case ("POST", "/session/v1/login-request"): return login(request)
        case ("POST", "/queries/v1/query-request"): return query(request)
        case ("POST", "/session"): return logout(request)
        default: return .json(404, #"{"code":"390404","message":"Not found"}"#)
        }
    }

    // MARK: SQL API

    private func jwtInvalid(_ why: String) -> ScriptedHTTPServer.Response {
        .json(401, #"{"code":"390144","message":"JWT token is invalid. [\#(why)]"}"#)
    }

    private func statement(_ request: ScriptedHTTPServer.Request) -> ScriptedHTTPServer.Response {
        guard request.header("X-Snowflake-Authorization-Token-Type") == "KEYPAIR_JWT" else {
            return jwtInvalid("token type")
        }
        guard let authorization = request.header("Authorization"), authorization.hasPrefix("Bearer ") else {
            return .json(401, #"{"code":"390101","message":"Authorization header not found in the request data."}"#)
        }
        let token = String(authorization.dropFirst("Bearer ".count))
        state.withLock { $0.jwts.append(token) }
        guard JWT.unverifiedHeader(token)?["alg"]?.stringValue == "RS256", let claims = JWT.unverifiedClaims(token),
            let iss = claims["iss"]?.stringValue, let sub = claims["sub"]?.stringValue,
            let iat = claims["iat"]?.intValue, let exp = claims["exp"]?.intValue
        else { return jwtInvalid("malformed") }
        let parts = sub.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[0] == account, let user = users.first(where: { $0.key.uppercased() == parts[1] }),
            let key = user.value.publicKey
        else { return jwtInvalid("subject") }
        let expectedIssuer = "\(sub).SHA256:" + Data(SHA256.hash(data: key.derRepresentation)).base64EncodedString()
        guard iss == expectedIssuer else { return jwtInvalid("issuer") }
        guard JWT.verifyRS256(token, key: key) else { return jwtInvalid("signature") }
        let now = Int(Date().timeIntervalSince1970)
        guard exp - iat <= 3600, exp > now, iat <= now + 60 else { return jwtInvalid("lifetime") }
        guard let body = JSONValue.parse(request.body), body["statement"]?.stringValue != nil else {
            return .json(400, #"{"code":"391902","message":"Unsupported Accept header or request body"}"#)
        }
        let role = body["role"]?.stringValue?.uppercased() ?? user.value.defaultRole
        guard user.value.roles.contains(role) else {
            return .json(
                422,
                #"{"code":"390186","message":"The role requested in the connection or the default role if none was requested in the connection ('\#(role)') is not granted to this user. Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC."}"#
            )
        }
        let sql = body["statement"]?.stringValue ?? ""
        state.withLock { $0.statements.append(sql) }
        if let shown = show(sql, role: role) {
            switch shown {
            case .success(let result):
                return .json(
                    200,
                    #"{"resultSetMetaData":{"numRows":\#(result.rows.count),"format":"jsonv2","rowType":\#(result.rowType)},"data":\#(result.data),"code":"090001","statementStatusUrl":"/api/v2/statements/01b1?requestId=2","sqlState":"00000","message":"Statement executed successfully."}"#
                )
            case .failure(let error):
                return .json(
                    422,
                    #"{"code":"\#(error.code)","message":"\#(error.message)","sqlState":"42501","statementHandle":"01b2"}"#
                )
            }
        }
        let warehouse = usableWarehouse(body["warehouse"]?.stringValue, role: role)
        return .json(
            200,
            #"{"resultSetMetaData":{"numRows":1,"format":"jsonv2"},"data":[["\#(role)",\#(warehouse.map { "\"\($0)\"" } ?? "null"),"9.1.0"]],"code":"090001","statementStatusUrl":"/api/v2/statements/01b0?requestId=1","sqlState":"00000","message":"Statement executed successfully."}"#
        )
    }

    private func usableWarehouse(_ name: String?, role: String) -> String? {
        guard let name = name?.uppercased(), let roles = warehouses[name], roles.contains(role) else { return nil }
        return name
    }

    // MARK: Session API

    private func login(_ request: ScriptedHTTPServer.Request) -> ScriptedHTTPServer.Response {
        let failed =
            #"{"data":null,"code":"390100","message":"Incorrect username or password was specified.","success":false}"#
        guard let data = JSONValue.parse(request.body)?["data"], data["CLIENT_APP_ID"]?.stringValue != nil,
            data["ACCOUNT_NAME"]?.stringValue?.uppercased() == account,
            let name = data["LOGIN_NAME"]?.stringValue,
            let user = users.first(where: { $0.key.uppercased() == name.uppercased() })?.value,
            let password = user.password, data["PASSWORD"]?.stringValue == password
        else {
            return .json(200, failed)
        }
        // An empty parameter (Snowflake's connectors send `roleName=` when none is set) means the default.
        let role = request.query["roleName"].flatMap { $0.isEmpty ? nil : $0.uppercased() } ?? user.defaultRole
        guard user.roles.contains(role) else {
            return .json(
                200,
                #"{"data":null,"code":"390186","message":"The role requested in the connection ('\#(role)') is not granted to this user.","success":false}"#
            )
        }
        let token = sessionTokenPrefix + UUID().uuidString
        let warehouse = usableWarehouse(request.query["warehouse"], role: role)
        state.withLock {
            $0.sessions[token] = (name, role, warehouse)
            $0.issued.append(token)
        }
        return .json(
            200,
            #"{"data":{"token":"\#(token)","masterToken":"planted-master-\#(token)","validityInSeconds":3600,"masterValidityInSeconds":14400,"displayUserName":"\#(name.uppercased())","serverVersion":"9.1.0","firstLogin":false,"sessionId":\#(1_000_000 + issuedTokens.count),"healthCheckInterval":45,"parameters":[],"sessionInfo":{"databaseName":null,"schemaName":null,"warehouseName":\#(warehouse.map { "\"\($0)\"" } ?? "null"),"roleName":"\#(role)"}},"code":null,"message":null,"success":true}"#
        )
    }

    private func session(_ request: ScriptedHTTPServer.Request) -> (
        String, (user: String, role: String, warehouse: String?)
    )? {
        guard let header = request.header("Authorization"), header.hasPrefix("Snowflake Token=\""),
            header.hasSuffix("\"")
        else { return nil }
        let token = String(header.dropFirst("Snowflake Token=\"".count).dropLast())
        return state.withLock { state in state.sessions[token].map { (token, $0) } }
    }

    private func query(_ request: ScriptedHTTPServer.Request) -> ScriptedHTTPServer.Response {
        guard let (token, session) = self.session(request) else {
            return .json(
                200, #"{"data":null,"code":"390104","message":"Authentication token is invalid.","success":false}"#)
        }
        if let sql = JSONValue.parse(request.body)?["sqlText"]?.stringValue, let shown = show(sql, role: session.role) {
            state.withLock { $0.statements.append(sql) }
            switch shown {
            case .success(let result):
                return .json(
                    200,
                    #"{"data":{"rowtype":\#(result.rowType),"rowset":\#(result.data),"total":\#(result.rows.count),"returned":\#(result.rows.count),"queryId":"01b3c4d5-0000-0001-0000-000000000001","queryResultFormat":"json","parameters":[],"finalRoleName":"\#(session.role)"},"code":null,"message":null,"success":true}"#
                )
            case .failure(let error):
                return .json(
                    200, #"{"data":null,"code":"\#(error.code)","message":"\#(error.message)","success":false}"#)
            }
        }
        guard let sql = JSONValue.parse(request.body)?["sqlText"]?.stringValue, sql.uppercased().hasPrefix("SELECT")
        else {
            return .json(200, #"{"data":null,"code":"001003","message":"SQL compilation error","success":false}"#)
        }
        if echoTokenInQueryError {
            return .json(
                200,
                #"{"data":null,"code":"000606","message":"No active warehouse selected in the current session (session \#(token)).","success":false}"#
            )
        }
        let warehouse = session.warehouse.map { "\"\($0)\"" } ?? "null"
        return .json(
            200,
            #"{"data":{"rowtype":[],"rowset":[["\#(session.role)",\#(warehouse),"9.1.0"]],"total":1},"code":null,"message":null,"success":true}"#
        )
    }

    private func logout(_ request: ScriptedHTTPServer.Request) -> ScriptedHTTPServer.Response {
        guard request.query["delete"] == "true", let (token, _) = session(request) else {
            return .json(
                200, #"{"data":null,"code":"390104","message":"Authentication token is invalid.","success":false}"#)
        }
        _ = state.withLock { $0.sessions.removeValue(forKey: token) }
        return .json(200, #"{"data":null,"code":null,"message":null,"success":true}"#)
    }

    // MARK: SHOW statements

    /// A refused SHOW: Snowflake's error code and message.
    struct ShowError: Error {
        var code: String
        var message: String
    }

    /// A SHOW result: its columns (as rowType JSON) and rows (as the data JSON).
    struct Shown {
        var columns: [String]
        var rows: [[String]]
        var rowType: String {
            "["
                + columns.map {
                    #"{"name":"\#($0)","database":"","schema":"","table":"","type":"text","length":16777216,"byteLength":16777216,"precision":null,"scale":null,"nullable":true,"collation":null}"#
                }.joined(separator: ",") + "]"
        }
        var data: String {
            "[" + rows.map { "[" + $0.map { "\"\($0)\"" }.joined(separator: ",") + "]" }.joined(separator: ",") + "]"
        }
    }

    /// `SHOW GRANTS TO ROLE <role>` (only the session's own role or one it inherits: SECURITYADMIN rules
    /// aside, a role may show its own grants) and `SHOW WAREHOUSES LIKE '<name>'` (the warehouses the role
    /// may use); nil for any other statement.
    private func show(_ sql: String, role: String) -> Result<Shown, ShowError>? {
        let text = sql.trimmingCharacters(in: .whitespaces)
        let upper = text.uppercased()
        if upper.hasPrefix("SHOW GRANTS TO ROLE ") {
            var asked = String(text.dropFirst("SHOW GRANTS TO ROLE ".count)).trimmingCharacters(in: .whitespaces)
            if asked.hasPrefix("\""), asked.hasSuffix("\""), asked.count >= 2 {
                asked = String(asked.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
            } else {
                asked = asked.uppercased()
            }
            guard asked == role else {
                return .failure(
                    ShowError(
                        code: "003001",
                        message: "SQL access control error: Insufficient privileges to operate on role '\(asked)'"))
            }
            var own = grants[role] ?? []
            for (name, roles) in warehouses.sorted(by: { $0.key < $1.key }) where roles.contains(role) {
                own.append(("USAGE", "WAREHOUSE", name))
            }
            let columns = [
                "created_on", "privilege", "granted_on", "name", "granted_to", "grantee_name", "grant_option",
                "granted_by",
            ]
            return .success(
                Shown(
                    columns: columns,
                    rows: own.map {
                        [
                            "2024-01-02 03:04:05.000 -0800", $0.privilege, $0.on, $0.name, "ROLE", role, "false",
                            "SYSADMIN",
                        ]
                    }))
        }
        if upper.hasPrefix("SHOW WAREHOUSES LIKE '"), upper.hasSuffix("'") {
            let pattern = String(text.dropFirst("SHOW WAREHOUSES LIKE '".count).dropLast())
                .replacingOccurrences(of: "''", with: "'").uppercased()
            let columns = [
                "name", "state", "type", "size", "min_cluster_count", "max_cluster_count", "started_clusters",
                "running", "queued", "is_default", "is_current", "auto_suspend", "auto_resume",
            ]
            let rows = warehouses.keys.sorted().filter { name in
                name == pattern && warehouses[name]?.contains(role) == true
            }.map { name in
                let state = warehouseStates[name] ?? ("STARTED", true)
                return [
                    name, state.state, "STANDARD", "X-Small", "1", "1", state.state == "STARTED" ? "1" : "0", "0", "0",
                    "N", "Y", "600", state.autoResume ? "true" : "false",
                ]
            }
            return .success(Shown(columns: columns, rows: rows))
        }
        return nil
    }
}
