import PreflightCore
import PreflightDatabricks
import PreflightHTTP
import Testing

@Suite("Databricks answers, states and error mapping")
struct DatabricksAnswerTests {
    static let context = DatabricksFailureContext(
        workspace: "https://dbc-1.cloud.databricks.com", principal: "the personal access token",
        resource: "SQL warehouse abc123", grantHint: "CAN USE on the SQL warehouse")
    static let redactor = Redactor(secrets: ["planted-access-token"])

    func response(_ status: Int, _ body: String) -> HTTPResponse {
        HTTPResponse(status: status, body: Array(body.utf8))
    }

    @Test(
        "REST errors: status and error_code to category, code in the message",
        arguments: [
            (
                401, #"{"error_code":"401","message":"Invalid access token."}"#, FailureCategory.auth,
                "Invalid access token"
            ),
            (
                403, #"{"error_code":"PERMISSION_DENIED","message":"User does not have CAN_USE."}"#, .permission,
                "PERMISSION_DENIED"
            ),
            (
                403,
                #"{"error_code":"403","message":"Source IP address: 1.2.3.4 is blocked by Databricks IP ACL for workspace: 1"}"#,
                .permission, "IP ACL"
            ),
            (
                404, #"{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Unable to find warehouse abc123."}"#,
                .databaseNotFound, "RESOURCE_DOES_NOT_EXIST"
            ),
            (
                400, #"{"error_code":"INVALID_PARAMETER_VALUE","message":"Cluster x does not exist"}"#,
                .databaseNotFound, "INVALID_PARAMETER_VALUE"
            ),
            (
                400, #"{"error_code":"INVALID_PARAMETER_VALUE","message":"bad id"}"#, .invalidConfig,
                "INVALID_PARAMETER_VALUE"
            ),
            (
                503, #"{"error_code":"TEMPORARILY_UNAVAILABLE","message":"try later"}"#, .serverUnavailable,
                "TEMPORARILY_UNAVAILABLE"
            ),
            (
                429, #"{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow down"}"#, .serverUnavailable,
                "REQUEST_LIMIT_EXCEEDED"
            ),
            (404, "<html><body>Not Found</body></html>", .protocolMismatch, "HTML"),
        ])
    func mapping(status: Int, body: String, category: FailureCategory, fragment: String) {
        let failure = DatabricksErrorMapping.failure(
            response(status, body), context: Self.context, redactor: Self.redactor)
        #expect(failure.category == category, "\(failure)")
        #expect(failure.message.contains(fragment), "\(failure.message)")
        #expect(failure.hint != nil)
    }

    @Test("runtime tokens echoed in errors are redacted")
    func redaction() {
        let failure = DatabricksErrorMapping.failure(
            response(403, #"{"error_code":"PERMISSION_DENIED","message":"token planted-access-token is not allowed"}"#),
            context: Self.context, redactor: Self.redactor)
        #expect(!failure.message.contains("planted-access-token"))
    }

    @Test("OAuth answers: token, invalid_client, HTML, no token")
    func oauth() throws {
        let ok = response(200, #"{"access_token":"planted-access-token","token_type":"Bearer","expires_in":3600}"#)
        #expect(
            try DatabricksAnswers.token(ok, clientID: "id", workspace: "w", redactor: Self.redactor).get()
                == "planted-access-token")
        for (status, body, category) in [
            (
                401, #"{"error":"invalid_client","error_description":"Client authentication failed"}"#,
                FailureCategory.auth
            ),
            (400, #"{"error":"invalid_scope","error_description":"nope"}"#, .auth),
            (200, "<!doctype html><html></html>", .protocolMismatch),
            (200, #"{"token_type":"Bearer"}"#, .protocolMismatch),
            (503, "busy", .serverUnavailable),
        ] {
            guard
                case .failure(let failure) = DatabricksAnswers.token(
                    response(status, body), clientID: "id", workspace: "w", redactor: Self.redactor)
            else {
                Issue.record("\(status) \(body) was accepted")
                continue
            }
            #expect(failure.category == category, "\(status) \(body): \(failure)")
        }
    }

    @Test(
        "warehouse states",
        arguments: [
            ("RUNNING", StepStatus.passed, nil as FailureCategory?),
            ("STOPPED", .warning, nil),
            ("STARTING", .warning, nil),
            ("STOPPING", .warning, nil),
            ("DELETED", .failed, .databaseNotFound),
            ("DELETING", .failed, .databaseNotFound),
            ("SOMETHING_NEW", .warning, nil),
        ])
    func states(state: String, status: StepStatus, category: FailureCategory?) {
        let compute = DatabricksCompute.warehouse(id: "abc123")
        let parsed = DatabricksComputeState(name: "Starter", state: state, size: "Small", count: 1)
        switch DatabricksComputeVerdict.evaluate(parsed, compute: compute) {
        case .success(let verdict):
            #expect(verdict.status == status)
            #expect(
                verdict.detail.contains(state) && verdict.detail.contains("Starter")
                    && verdict.detail.contains("size Small"))
            if state == "STOPPED" { #expect(verdict.detail.contains("starts on the first query")) }
        case .failure(let failure):
            #expect(status == .failed)
            #expect(failure.category == category)
        }
    }

    @Test("a warehouse answer is read")
    func warehouseAnswer() throws {
        let body =
            #"{"id":"abc123","name":"Starter","cluster_size":"2X-Small","num_clusters":1,"state":"STOPPED","enable_serverless_compute":true}"#
        let state = try DatabricksAnswers.compute(
            response(200, body), compute: .warehouse(id: "abc123"), context: Self.context, redactor: Self.redactor
        ).get()
        #expect(
            state
                == DatabricksComputeState(
                    name: "Starter", state: "STOPPED", size: "2X-Small", count: 1, serverless: true))
        let verdict = try DatabricksComputeVerdict.evaluate(state, compute: .warehouse(id: "abc123")).get()
        #expect(verdict.detail.contains("serverless: seconds"))
    }

    @Test("a 200 that is not JSON: protocol_mismatch")
    func notJSON() {
        guard
            case .failure(let failure) = DatabricksAnswers.compute(
                response(200, "<html>login</html>"), compute: .warehouse(id: "a"), context: Self.context,
                redactor: Self.redactor)
        else {
            Issue.record("HTML was accepted")
            return
        }
        #expect(failure.category == .protocolMismatch)
    }
}
