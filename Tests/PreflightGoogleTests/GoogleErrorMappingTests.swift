import PreflightCore
import Testing

@testable import PreflightGoogle

@Suite struct GoogleTokenResponseTests {
    private let request = GoogleTokenResponse.Request(
        email: GoogleTesting.email, keyID: "abc123", tokenURL: "https://oauth2.googleapis.com/token",
        issuedAt: 1_700_000_000, secrets: ["eyJhbGciOiJSUzI1NiJ9.planted-assertion.sig"])

    private func interpret(_ status: Int, _ body: String, line: String? = nil) -> Result<
        GoogleAccessToken, ProbeFailure
    > {
        GoogleTokenResponse.interpret(
            status: status, statusLine: line ?? "HTTP \(status)", body: Array(body.utf8), request: request)
    }

    private func failure(_ status: Int, _ body: String, sourceLocation: SourceLocation = #_sourceLocation)
        -> ProbeFailure
    {
        switch interpret(status, body) {
        case .success:
            Issue.record("expected a failure", sourceLocation: sourceLocation)
            return ProbeFailure(.internalError, "")
        case .failure(let failure): return failure
        }
    }

    @Test func readsTheToken() throws {
        let token = try interpret(200, #"{"access_token":"ya29.secret-token","expires_in":3599,"token_type":"Bearer"}"#)
            .get()
        #expect(token.value == "ya29.secret-token")
        #expect(token.expiresIn == 3599)
        #expect(!token.description.contains("ya29"))
    }

    @Test func refusesAnswersWithoutAToken() {
        #expect(failure(200, "<html>captive portal</html>").category == .protocolMismatch)
        #expect(failure(200, #"{"id_token":"x"}"#).message.contains("without an access_token"))
        #expect(failure(200, #"{"access_token":"ya29.x","token_type":"MAC"}"#).category == .protocolMismatch)
        // A token that would smuggle a header, or one absurdly long, is refused (and not quoted).
        let injected = failure(200, #"{"access_token":"ya29.x\r\nX-Evil: 1","token_type":"Bearer"}"#)
        #expect(injected.category == .protocolMismatch && !injected.message.contains("Evil"))
        #expect(
            failure(200, #"{"access_token":""# + String(repeating: "a", count: 9000) + #""}"#).category
                == .protocolMismatch)
        let notFound = failure(404, "<html>Not Found</html>")
        #expect(notFound.category == .protocolMismatch)
        #expect(notFound.hint?.contains("tokenURL") == true)
    }

    @Test func mapsARevokedKey() {
        let failure = failure(400, #"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#)
        #expect(failure.category == .auth)
        #expect(failure.message.contains("invalid_grant: Invalid JWT Signature."))
        #expect(failure.message.contains(GoogleTesting.email))
        #expect(failure.hint?.contains("deleted or revoked") == true)
        #expect(failure.hint?.contains("abc123") == true)
    }

    @Test func mapsClockSkew() {
        let failure = failure(
            400,
            #"{"error":"invalid_grant","error_description":"Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."}"#
        )
        #expect(failure.category == .auth)
        #expect(failure.hint?.contains("clock") == true)
        #expect(failure.hint?.contains("2023-11-14 22:13:20") == true)
    }

    @Test func mapsUnknownAndDisabledAccounts() {
        let unknown = failure(400, #"{"error":"invalid_grant","error_description":"Invalid grant: account not found"}"#)
        #expect(unknown.category == .auth)
        #expect(unknown.message.contains("does not know service account"))
        #expect(unknown.hint?.contains("deleted") == true)
        let client = failure(401, #"{"error":"invalid_client","error_description":"The OAuth client was disabled."}"#)
        #expect(client.category == .auth)
        #expect(client.message.contains("invalid_client: The OAuth client was disabled."))
        let other = failure(400, #"{"error":"invalid_grant"}"#)
        #expect(other.category == .auth && other.message.contains("(invalid_grant)"))
        #expect(failure(400, #"{"error":"invalid_scope","error_description":"bad scope"}"#).category == .auth)
        #expect(failure(400, #"{"error":"weird_error"}"#).category == .auth)
    }

    @Test func mapsOutages() {
        #expect(failure(503, "Service Unavailable").category == .serverUnavailable)
        #expect(failure(429, #"{"error":"rate_limit_exceeded"}"#).category == .serverUnavailable)
        #expect(failure(500, #"{"error":"server_error"}"#).transient == true)
        #expect(
            failure(403, #"{"error":{"code":403,"message":"blocked by org policy","status":"PERMISSION_DENIED"}}"#)
                .category == .auth)
    }

    @Test func neverRepeatsTheAssertionOrHugeText() {
        let echoed = failure(
            400,
            #"{"error":"invalid_grant","error_description":"bad assertion eyJhbGciOiJSUzI1NiJ9.planted-assertion.sig "#
                + String(repeating: "x", count: 5000) + "\"}")
        #expect(!echoed.message.contains("planted-assertion"))
        #expect(echoed.message.count < 700)
    }
}

@Suite struct GoogleAPIErrorTests {
    private func call(_ secrets: [String] = []) -> GoogleCall {
        GoogleCall(
            what: "listing the datasets of project acme-data", apiName: "BigQuery API",
            serviceName: "bigquery.googleapis.com",
            projectID: "acme-data", email: GoogleTesting.email, notFound: "project acme-data does not exist",
            notFoundHint: "check projectID",
            permissionHint: "grant a role", invalidHint: "check sharedConfig.projectID", secrets: secrets)
    }

    private func failure(_ status: Int, _ body: String, secrets: [String] = []) -> ProbeFailure {
        call(secrets).failure(status: status, statusLine: "HTTP \(status)", body: Array(body.utf8))
    }

    @Test func parsesGooglesErrorShape() throws {
        let body =
            #"{"error":{"code":403,"message":"Access Denied: Project acme-data","errors":[{"message":"x","domain":"global","reason":"accessDenied"}],"status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"IAM_PERMISSION_DENIED"}]}}"#
        let error = try #require(GoogleAPIError.parse(Array(body.utf8)))
        #expect(
            error
                == GoogleAPIError(
                    code: 403, message: "Access Denied: Project acme-data", status: "PERMISSION_DENIED",
                    reasons: ["accessDenied", "IAM_PERMISSION_DENIED"]))
        #expect(
            error.summary() == "PERMISSION_DENIED/accessDenied/IAM_PERMISSION_DENIED: Access Denied: Project acme-data")
        #expect(GoogleAPIError.parse(Array(#"{"error":"invalid_grant"}"#.utf8)) == nil)
        #expect(GoogleAPIError.parse(Array("<html>".utf8)) == nil)
    }

    @Test func mapsAccessDeniedToPermission() {
        let failure = failure(
            403,
            #"{"error":{"code":403,"message":"Access Denied: Project acme-data: User does not have bigquery.datasets.get permission","errors":[{"reason":"accessDenied"}],"status":"PERMISSION_DENIED"}}"#
        )
        #expect(failure.category == .permission)
        #expect(failure.message.contains("PERMISSION_DENIED/accessDenied: Access Denied: Project acme-data"))
        #expect(failure.hint == "grant a role")
    }

    @Test func mapsADisabledAPI() {
        let failure = failure(
            403,
            #"{"error":{"code":403,"message":"BigQuery API has not been used in project 123 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/bigquery.googleapis.com/overview?project=123 then retry.","errors":[{"reason":"accessNotConfigured"}],"status":"PERMISSION_DENIED"}}"#
        )
        #expect(failure.category == .permission)
        #expect(failure.message.contains("BigQuery API is not enabled in project acme-data"))
        #expect(failure.message.contains("accessNotConfigured"))
        #expect(
            failure.hint?.contains(
                "https://console.cloud.google.com/apis/library/bigquery.googleapis.com?project=acme-data") == true)
        let newStyle = self.failure(
            403,
            #"{"error":{"code":403,"message":"Cloud Storage API is disabled","status":"PERMISSION_DENIED","details":[{"reason":"SERVICE_DISABLED"}]}}"#
        )
        #expect(newStyle.message.contains("is not enabled"))
    }

    @Test func mapsTheOtherStatuses() {
        #expect(
            failure(
                404,
                #"{"error":{"code":404,"message":"Not found: Project acme-data","errors":[{"reason":"notFound"}],"status":"NOT_FOUND"}}"#
            ).category == .databaseNotFound)
        #expect(
            failure(
                401,
                #"{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}"#
            ).category == .auth)
        #expect(
            failure(
                400,
                #"{"error":{"code":400,"message":"Invalid project ID","errors":[{"reason":"invalid"}],"status":"INVALID_ARGUMENT"}}"#
            ).category == .invalidConfig)
        #expect(
            failure(
                403,
                #"{"error":{"code":403,"message":"Exceeded rate limits","errors":[{"reason":"rateLimitExceeded"}]}}"#
            ).category == .serverUnavailable)
        #expect(failure(429, #"{"error":{"code":429,"message":"Too many requests"}}"#).category == .serverUnavailable)
        #expect(failure(503, "<html>Service Unavailable</html>").category == .serverUnavailable)
        #expect(
            failure(
                403,
                #"{"error":{"code":403,"message":"The billing account for the owning project is disabled","errors":[{"reason":"accountDisabled"}]}}"#
            ).hint?.contains("billing") == true)
        let proxy = failure(404, "<!DOCTYPE html><html>Not Found</html>")
        #expect(proxy.category == .protocolMismatch)
        #expect(proxy.hint?.contains("endpointURL") == true)
        #expect(failure(302, #"{"error":{"message":"moved"}}"#).category == .protocolMismatch)
    }

    @Test func scrubsTheTokenFromGooglesText() {
        let failure = failure(
            403,
            #"{"error":{"code":403,"message":"denied for ya29.planted-token-value","errors":[{"reason":"forbidden"}]}}"#,
            secrets: ["ya29.planted-token-value"])
        #expect(!failure.message.contains("ya29.planted-token-value"))
        #expect(failure.message.contains("[redacted]"))
    }
}

@Suite struct GoogleAnswerTests {
    @Test func readsDatasetLists() throws {
        let list = try #require(
            BigQueryAnswers.datasetList(
                .object([
                    "kind": .string("bigquery#datasetList"),
                    "datasets": .array([
                        .object(["location": .string("EU")]), .object(["location": .string("US")]),
                        .object(["location": .string("eu")]),
                    ]), "nextPageToken": .string("p2"),
                ])))
        #expect(list.count == 3 && list.more)
        #expect(list.locations.map(\.0) == ["EU", "US"] && list.locations.map(\.1) == [2, 1])
        #expect(
            BigQueryAnswers.describe(list, projectID: "p", listedAll: true)
                == "project p reachable: 3+ datasets (EU: 2, US: 1)")
        let empty = try #require(
            BigQueryAnswers.datasetList(.object(["kind": .string("bigquery#datasetList"), "etag": .string("x")])))
        #expect(
            BigQueryAnswers.describe(empty, projectID: "p", listedAll: true)
                == "project p reachable; it has no datasets yet")
        #expect(BigQueryAnswers.datasetList(.object(["kind": .string("storage#buckets")])) == nil)
        #expect(BigQueryAnswers.datasetList(.object(["datasets": .string("x")])) == nil)
        #expect(BigQueryAnswers.datasetList(.array([])) == nil)
    }

    @Test func comparesLocations() {
        #expect(BigQueryAnswers.locationMismatch(dataset: "d", projectID: "p", observed: "EU", configured: "EU") == nil)
        #expect(BigQueryAnswers.locationMismatch(dataset: "d", projectID: "p", observed: "eu", configured: "EU") == nil)
        #expect(BigQueryAnswers.locationMismatch(dataset: "d", projectID: "p", observed: "EU", configured: nil) == nil)
        let mismatch = BigQueryAnswers.locationMismatch(
            dataset: "d", projectID: "p", observed: "europe-west2", configured: "EU")
        #expect(mismatch?.category == .invalidConfig)
        #expect(mismatch?.message == "dataset p:d is in location europe-west2, but sharedConfig.location is EU")
        #expect(mismatch?.hint?.contains("set sharedConfig.location to europe-west2") == true)
        #expect(
            BigQueryAnswers.dataset(
                .object(["kind": .string("bigquery#dataset"), "id": .string("p:d"), "location": .string("US")]))
                == .init(location: "US"))
        #expect(BigQueryAnswers.dataset(.object(["kind": .string("bigquery#table")])) == nil)
    }

    @Test func readsDryRuns() {
        #expect(
            BigQueryAnswers.dryRunRequest(location: nil)
                == .object(["query": .string("SELECT 1"), "useLegacySql": .bool(false), "dryRun": .bool(true)]))
        #expect(BigQueryAnswers.dryRunRequest(location: "EU")["location"] == .string("EU"))
        #expect(
            BigQueryAnswers.dryRunLocation(
                .object([
                    "kind": .string("bigquery#queryResponse"), "jobReference": .object(["location": .string("EU")]),
                ])) == "EU")
        #expect(BigQueryAnswers.dryRunLocation(.object(["kind": .string("bigquery#queryResponse")])) == "")
        #expect(BigQueryAnswers.dryRunLocation(.object(["kind": .string("bigquery#dataset")])) == nil)
        #expect(BigQueryAnswers.dryRunLocation(.object([:])) == nil)
    }

    @Test func judgesBucketRights() {
        let email = GoogleTesting.email
        guard
            case .passed(let detail) = GCSAnswers.verdict(
                granted: Set(GCSAnswers.objectPermissions), bucket: "b", email: email)
        else {
            Issue.record("expected a pass")
            return
        }
        #expect(detail.contains("storage.objects.create"))
        // Readable but not writable: the step passes and says so; `write_permissions` fails the ping.
        guard
            case .passed(let readable) = GCSAnswers.verdict(
                granted: ["storage.objects.list", "storage.objects.get"], bucket: "b", email: email)
        else {
            Issue.record("expected a pass of the read rights")
            return
        }
        #expect(readable.hasSuffix("; lacks storage.objects.create, storage.objects.delete"))
        guard
            case .failed(let failure) = GCSAnswers.verdict(
                granted: ["storage.objects.create"], bucket: "b", email: email)
        else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure.category == .permission)
        #expect(
            failure.message
                == "service account \(email) lacks storage.objects.list, storage.objects.get, storage.objects.delete on bucket b (holds storage.objects.create)"
        )
        #expect(failure.hint?.contains("roles/storage.objectAdmin") == true)
        #expect(GCSAnswers.grantedPermissions(.object(["kind": .string("storage#testIamPermissionsResponse")])) == [])
        #expect(
            GCSAnswers.grantedPermissions(.object(["permissions": .array([.string("storage.objects.get")])])) == [
                "storage.objects.get"
            ])
        #expect(GCSAnswers.grantedPermissions(.object(["permissions": .number(1)])) == nil)
    }

    @Test func foldsPeerText() {
        #expect(PeerText.quote("a\n\n b\tc  ") == "a b c")
        #expect(PeerText.quote(String(repeating: "x", count: 1000)).count == PeerText.maximumLength + 1)
        #expect(PeerText.quote("token=abcdef123 here", scrubbing: ["abcdef123"]) == "token=[redacted] here")
    }
}
