import PreflightCore
import PreflightHTTP
import PreflightSnowflake
import Testing

@Suite("Snowflake error mapping and answers")
struct SnowflakeErrorMappingTests {
    static let context = SnowflakeFailureContext(
        account: "MYORG-MYACCOUNT", user: "LOADER", warehouse: "LOADING_WH", role: "LOADER_ROLE",
        fingerprint: "SHA256:abc=", server: "https://myorg-myaccount.snowflakecomputing.com")
    static let redactor = Redactor(secrets: ["planted-runtime-token"])

    func map(_ code: String, _ message: String, status: Int = 422, phase: SnowflakePhase = .statement) -> ProbeFailure {
        SnowflakeErrorMapping.failure(
            for: SnowflakeError(code: code, message: message), status: status, phase: phase,
            context: Self.context, redactor: Self.redactor)
    }

    @Test(
        "codes map to categories and stay in the message",
        arguments: [
            ("390144", "JWT token is invalid.", FailureCategory.auth),
            ("390100", "Incorrect username or password was specified.", .auth),
            ("390102", "User temporarily locked. Try again later.", .auth),
            ("390101", "User access disabled. Contact your local system administrator.", .auth),
            ("390186", "The role requested in the connection ('X') is not granted to this user.", .permission),
            ("390422", "Incoming request with IP/Token 1.2.3.4 is not allowed to access Snowflake.", .permission),
            ("390201", "The requested warehouse does not exist or not authorized.", .databaseNotFound),
            (
                "002043", "SQL compilation error: Object does not exist, or operation cannot be performed.",
                .databaseNotFound
            ),
            ("000606", "No active warehouse selected in the current session.", .permission),
            ("999999", "Something new.", .permission),
        ])
    func codes(code: String, message: String, category: FailureCategory) {
        let failure = map(code, message)
        #expect(failure.category == category, "\(failure)")
        #expect(failure.message.contains(code), "\(failure.message)")
        #expect(failure.hint != nil)
    }

    @Test("390144's hint names the key fingerprint to compare with DESC USER")
    func jwtHint() {
        let failure = map("390144", "JWT token is invalid.", status: 401)
        #expect(failure.message.contains("390144 JWT token is invalid"))
        #expect(failure.hint?.contains("SHA256:abc=") == true)
        #expect(failure.hint?.contains("DESC USER LOADER") == true)
    }

    @Test("unknown codes follow the HTTP status")
    func statuses() {
        #expect(map("", "x", status: 401).category == .auth)
        #expect(map("", "x", status: 403).category == .permission)
        #expect(map("", "x", status: 503).category == .serverUnavailable)
        #expect(map("", "x", status: 200, phase: .login).category == .auth)
    }

    @Test("runtime secrets echoed by the server are redacted; long messages are cut")
    func redaction() {
        let failure = map("000606", "bad session planted-runtime-token\n" + String(repeating: "x", count: 2000))
        #expect(!failure.message.contains("planted-runtime-token"))
        #expect(failure.message.count < 600)
        #expect(!failure.message.contains("\n"))
    }

    @Test("numeric codes are padded to six digits")
    func padding() throws {
        let error = try #require(SnowflakeError.from(.object(["code": .number(2043), "message": .string("x")])))
        #expect(error.code == "002043")
    }

    @Test("SQL API answers: a row, a NULL warehouse, HTML, JSON without a row")
    func statementAnswers() throws {
        let ok = HTTPResponse(
            status: 200, body: Array(#"{"data":[["LOADER_ROLE",null,"9.1.0"]],"code":"090001"}"#.utf8))
        let row = try SnowflakeAnswers.statement(ok, context: Self.context, redactor: Self.redactor).get()
        #expect(row == SnowflakeSessionRow(role: "LOADER_ROLE", warehouse: nil, version: "9.1.0"))
        let verdict = SnowflakeWarehouseVerdict.evaluate(row, context: Self.context)
        guard case .failure(let failure) = verdict else {
            Issue.record("a NULL warehouse must fail")
            return
        }
        #expect(failure.category == .permission)
        #expect(failure.message.contains("LOADING_WH") && failure.message.contains("LOADER_ROLE"))

        let html = HTTPResponse(status: 200, body: Array("<!DOCTYPE html><html><body>hello</body></html>".utf8))
        guard
            case .failure(let notSnowflake) = SnowflakeAnswers.statement(
                html, context: Self.context, redactor: Self.redactor)
        else {
            Issue.record("HTML must fail")
            return
        }
        #expect(notSnowflake.category == .protocolMismatch)

        let noRow = HTTPResponse(status: 200, body: Array(#"{"hello":"world"}"#.utf8))
        guard case .failure(let odd) = SnowflakeAnswers.statement(noRow, context: Self.context, redactor: Self.redactor)
        else {
            Issue.record("JSON without a row must fail")
            return
        }
        #expect(odd.category == .protocolMismatch)

        let busy = HTTPResponse(status: 503, body: Array("upstream unavailable".utf8))
        guard
            case .failure(let unavailable) = SnowflakeAnswers.statement(
                busy, context: Self.context, redactor: Self.redactor)
        else {
            Issue.record("503 must fail")
            return
        }
        #expect(unavailable.category == .serverUnavailable)
    }

    @Test("the warehouse verdict names role, warehouse and version")
    func verdict() throws {
        let detail = try SnowflakeWarehouseVerdict.evaluate(
            SnowflakeSessionRow(role: "LOADER_ROLE", warehouse: "LOADING_WH", version: "9.1.0"), context: Self.context
        ).get()
        #expect(detail == "role LOADER_ROLE can use warehouse LOADING_WH; Snowflake 9.1.0")
    }

    @Test("login answers: token, refusal, neither")
    func loginAnswers() throws {
        let ok = HTTPResponse(
            status: 200, body: Array(#"{"data":{"token":"planted-runtime-token"},"success":true}"#.utf8))
        #expect(
            try SnowflakeAnswers.login(ok, context: Self.context, redactor: Self.redactor).get()
                == "planted-runtime-token")
        let refused = HTTPResponse(
            status: 200,
            body: Array(
                #"{"data":null,"code":"390100","message":"Incorrect username or password was specified.","success":false}"#
                    .utf8))
        guard
            case .failure(let failure) = SnowflakeAnswers.login(refused, context: Self.context, redactor: Self.redactor)
        else {
            Issue.record("a refusal must fail")
            return
        }
        #expect(failure.category == .auth && failure.message.contains("390100"))
    }
}
