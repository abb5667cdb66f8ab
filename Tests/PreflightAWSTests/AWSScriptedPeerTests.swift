import Foundation
import PreflightAWS
import PreflightCore
import PreflightEngine
import PreflightHTTP
import PreflightProbeTesting
import PreflightTestSupport
import Testing

/// What a scripted AWS peer checks in each request: the SigV4 signature, recomputed from what arrived.
///
/// `problem` is the peer's quick gate while it answers, and it uses our own `SigV4` code, so on its own it
/// proves nothing about the signer; `verifyIndependently` is the proof: it recomputes every recorded
/// signature in Python (`hmac`/`hashlib`, checked first against AWS's published example) and shows that a
/// tampered copy of the first request is rejected.
enum SignatureCheck {
    /// The signature in `request` recomputed with `secret`; nil when it matches, otherwise why not.
    static func problem(_ request: ScriptedHTTPServer.Request, secret: String, sessionToken: String? = nil) -> String? {
        guard let authorization = request.header("Authorization") else { return "no Authorization header" }
        func part(_ name: String) -> String? {
            guard let range = authorization.range(of: "\(name)=") else { return nil }
            return String(authorization[range.upperBound...].prefix { $0 != "," })
        }
        guard let credential = part("Credential"), let signedHeaders = part("SignedHeaders"),
            let signature = part("Signature")
        else {
            return "malformed Authorization"
        }
        let scope = credential.split(separator: "/").map(String.init)
        guard scope.count == 5, let date = request.header("X-Amz-Date") else { return "bad scope or no date" }
        let headers = signedHeaders.split(separator: ";").compactMap { name -> HTTPField? in
            request.header(String(name)).map { HTTPField(String(name), $0) }
        }
        var query: [SigV4.QueryItem] = []
        if let mark = request.path.firstIndex(of: "?") {
            for pair in request.path[request.path.index(after: mark)...].split(separator: "&") {
                let pieces = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                    String($0).removingPercentEncoding ?? String($0)
                }
                query.append(.init(pieces[0], pieces.count > 1 ? pieces[1] : ""))
            }
        }
        let payloadHash = SigV4.signedHeaders(
            method: "POST", host: "h", path: "/", query: [], headers: [], body: request.body,
            credentials: AWSCredentials(accessKeyID: "x", secretAccessKey: "y"), region: "r", service: "s3",
            date: Date()
        )
        .headers.first { $0.name == "X-Amz-Content-SHA256" }!.value
        if let token = sessionToken, request.header("X-Amz-Security-Token") != token { return "session token missing" }
        let input = SigV4.Input(
            method: request.method, path: request.pathOnly, query: query, headers: headers, payloadHash: payloadHash)
        let expected = SigV4.sign(
            input, credentials: AWSCredentials(accessKeyID: scope[0], secretAccessKey: secret),
            scope: SigV4.Scope(amzDate: date, region: scope[2], service: scope[3]))
        return expected.signature == signature ? nil : "signature mismatch"
    }

    /// Every request in `requests` carries a signature that `scripts/peers/verify.py sigv4` accepts (with
    /// `secret`, and `sessionToken` sent and signed when given), for `service`; the first one with its path
    /// changed after signing is rejected. Returns how many requests were verified.
    @discardableResult
    static func verifyIndependently(
        _ requests: [ScriptedHTTPServer.Request], secret: String, sessionToken: String? = nil, service: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Int {
        let first = try #require(requests.first, "no request was recorded", sourceLocation: sourceLocation)
        var tampered = first
        tampered.path = first.pathOnly + "x" + first.path.dropFirst(first.pathOnly.count)
        var input: [String: Any] = [
            "secret": secret, "requests": (requests + [tampered]).map(IndependentVerifier.json),
        ]
        if let sessionToken { input["sessionToken"] = sessionToken }
        let results = try await IndependentVerifier.run(.sigv4, input)
        try #require(results.count == requests.count + 1, sourceLocation: sourceLocation)
        for (request, result) in zip(requests, results) {
            #expect(
                result["ok"] as? Bool == true, "\(request.method) \(request.path): \(result["problem"] ?? "")",
                sourceLocation: sourceLocation)
            #expect(result["service"] as? String == service, sourceLocation: sourceLocation)
        }
        #expect(results.last?["ok"] as? Bool == false, "a tampered path was accepted", sourceLocation: sourceLocation)
        #expect(results.last?["problem"] as? String == "signature mismatch", sourceLocation: sourceLocation)
        return requests.count
    }

    /// The service named in the credential scope.
    static func service(_ request: ScriptedHTTPServer.Request) -> String? {
        guard let authorization = request.header("Authorization"), let range = authorization.range(of: "Credential=")
        else { return nil }
        let scope = authorization[range.upperBound...].prefix { $0 != "," }.split(separator: "/")
        return scope.count == 5 ? String(scope[3]) : nil
    }
}

/// Pings against in-process scripted peers (HTTPS with the test CA): S3 Tables (moto cannot verify its
/// signatures), STS session handling, S3 region answers, and Iceberg REST catalogs.
@Suite(.serialized)
struct AWSScriptedPeerTests {
    static let keyID = "AKIAIOSFODNN7EXAMPLE"
    static let secret = "Planted/Secret+Scripted0000000000000000"
    static let sessionSecret = "SessionSecret/Planted+000000000000000000"
    static let sessionToken = "FQoGZXIvYXdzEPlantedSessionToken0123456789abcdef"
    static let tableBucket = "arn:aws:s3tables:us-east-1:123456789012:bucket/lake"

    func keys(_ server: ScriptedHTTPServer) -> [String: String] {
        [
            "awsAccessKeyID": Self.keyID, "awsSecretAccessKey": Self.secret, "endpointURL": server.endpoint,
            "sslRootCert": TestPKI.caPEM,
        ]
    }

    func ping(_ payload: ConnectorPayload, environment: [String: String] = [:], stsEndpointURL: String? = nil)
        async throws -> PingReport
    {
        try await AWSTesting.ping(
            AWSTesting.engine(environment: environment, stsEndpointURL: stsEndpointURL), payload,
            secrets: [Self.secret, Self.sessionSecret, Self.sessionToken])
    }

    static let listBuckets = ScriptedHTTPServer.Response(
        status: 200, headers: [("Content-Type", "application/xml")],
        body: """
            <?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult><Owner><ID>o</ID></Owner><Buckets><Bucket><Name>lake-bucket</Name></Bucket></Buckets></ListAllMyBucketsResult>
            """)

    @Test func s3OverTLSWithAVerifiedSignature() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { request in
            if let problem = SignatureCheck.problem(request, secret: Self.secret) {
                return .init(
                    status: 403, body: "<Error><Code>SignatureDoesNotMatch</Code><Message>\(problem)</Message></Error>")
            }
            if request.method == "HEAD" { return .init(status: 200, headers: [("x-amz-bucket-region", "us-east-1")]) }
            return Self.listBuckets
        }
        defer { Task { await server.stop() } }
        let report = try await ping(
            AWSTesting.payload(.s3, keys(server).merging(["awsRegion": "us-east-1", "bucket": "lake-bucket"]) { $1 }))
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("tls")?.status == .passed, "\(report.summary)")
        #expect(report.step("head_bucket")?.detail == "bucket lake-bucket in us-east-1 reachable")
        // Then destination readiness asks STS who the key is (this peer does not say: a warning, no simulation).
        let requests = server.requests
        #expect(requests.map(\.method) == ["GET", "HEAD", "POST"])
        #expect(requests.first?.path == "/?max-buckets=100")
        #expect(requests[1].path == "/lake-bucket", "path-style with endpointURL")
        #expect(requests.prefix(2).allSatisfy { $0.header("X-Amz-Content-SHA256") == SigV4.emptyPayloadHash })
        #expect(report.step("caller_identity")?.status == .warning, "\(report.summary)")
        #expect(report.check("write_permissions")?.status == .warning, "\(report.summary)")
        try await SignatureCheck.verifyIndependently(Array(requests.prefix(2)), secret: Self.secret, service: "s3")
        try await SignatureCheck.verifyIndependently(Array(requests.suffix(1)), secret: Self.secret, service: "sts")
    }

    @Test func s3RedirectToAnotherRegion() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { request in
            if request.method == "HEAD" { return .init(status: 301, headers: [("x-amz-bucket-region", "ap-south-1")]) }
            return Self.listBuckets
        }
        defer { Task { await server.stop() } }
        let report = try await ping(
            AWSTesting.payload(.s3, keys(server).merging(["awsRegion": "us-east-1", "bucket": "lake-bucket"]) { $1 }))
        #expect(report.category == .invalidConfig, "\(report.summary)")
        #expect(report.message == "bucket lake-bucket is in ap-south-1, config says us-east-1 (awsRegion)")
    }

    @Test func listDeniedButBucketReachableIsAWarning() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { request in
            if request.method == "HEAD" { return .init(status: 200, headers: [("x-amz-bucket-region", "us-east-1")]) }
            return .init(status: 403, body: "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>")
        }
        defer { Task { await server.stop() } }
        let report = try await ping(
            AWSTesting.payload(.s3, keys(server).merging(["awsRegion": "us-east-1", "bucket": "lake-bucket"]) { $1 }))
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("list_buckets")?.status == .warning)
        #expect(report.step("head_bucket")?.status == .passed)
    }

    @Test func s3TablesGetTableBucket() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { request in
            guard SignatureCheck.problem(request, secret: Self.secret) == nil,
                SignatureCheck.service(request) == "s3tables"
            else {
                return .init(status: 403, body: "<Error><Code>SignatureDoesNotMatch</Code></Error>")
            }
            if request.path.contains("missing") {
                return .init(
                    status: 404, headers: [("x-amzn-ErrorType", "NotFoundException:http://internal.amazon.com/")],
                    body: #"{"message":"The specified table bucket does not exist"}"#)
            }
            if request.path.contains("denied") {
                return .init(
                    status: 403, headers: [("x-amzn-ErrorType", "AccessDeniedException")],
                    body: #"{"message":"not allowed"}"#)
            }
            return .json(
                200,
                #"{"arn":"\#(Self.tableBucket)","name":"lake","ownerAccountId":"123456789012","createdAt":"2025-01-01T00:00:00Z"}"#
            )
        }
        defer { Task { await server.stop() } }
        func payload(_ arn: String) -> ConnectorPayload {
            AWSTesting.payload(
                .iceberg,
                keys(server).merging(["provider": "s3tables", "bucketARN": arn, "region": "us-east-1"]) { $1 })
        }
        let ok = try await ping(payload(Self.tableBucket))
        #expect(ok.ok, "\(ok.summary)")
        #expect(ok.step("get_table_bucket")?.detail == "table bucket lake in us-east-1 reachable")
        #expect(
            server.requests.first?.path == "/buckets/arn%3Aaws%3As3tables%3Aus-east-1%3A123456789012%3Abucket%2Flake")
        let missing = try await ping(payload("arn:aws:s3tables:us-east-1:123456789012:bucket/missing"))
        #expect(missing.category == .databaseNotFound, "\(missing.summary)")
        #expect(missing.message?.contains("NotFoundException") == true)
        let denied = try await ping(payload("arn:aws:s3tables:us-east-1:123456789012:bucket/denied"))
        #expect(denied.category == .permission, "\(denied.summary)")
        #expect(denied.message?.contains("s3tables:GetTableBucket") == true)
        // The ARN's %3A and %2F are signed encoded once more, as every service but S3 wants. (Readiness's
        // STS call, refused here, is signed for sts.)
        let tables = server.requests.filter { SignatureCheck.service($0) == "s3tables" }
        #expect(tables.count == 3)
        try await SignatureCheck.verifyIndependently(tables, secret: Self.secret, service: "s3tables")
    }

    /// AssumeRole's session is used for later calls (token sent and signed), and secrets a peer echoes
    /// back (the session secret and token, the configured secret) never reach the report.
    @Test func sessionCredentialsAreUsedAndNeverShown() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { request in
            if request.form["Action"] == "AssumeRole" {
                guard SignatureCheck.problem(request, secret: Self.secret) == nil, request.form["ExternalId"] == "ext-1"
                else {
                    return .init(
                        status: 403,
                        body:
                            "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>"
                    )
                }
                return .init(
                    status: 200,
                    body: """
                        <AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAPLANTEDSESSION01</AccessKeyId>
                        <SecretAccessKey>\(Self.sessionSecret)</SecretAccessKey><SessionToken>\(Self.sessionToken)</SessionToken>
                        <Expiration>2030-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/p</Arn></AssumedRoleUser>
                        </AssumeRoleResult></AssumeRoleResponse>
                        """)
            }
            guard SignatureCheck.problem(request, secret: Self.sessionSecret, sessionToken: Self.sessionToken) == nil
            else {
                return .init(status: 403, body: "<Error><Code>SignatureDoesNotMatch</Code></Error>")
            }
            // A peer that echoes every secret it can in its error message.
            return .init(
                status: 403,
                body:
                    "<Error><Code>AccessDenied</Code><Message>denied for \(Self.sessionToken) \(Self.sessionSecret) \(Self.secret)</Message></Error>"
            )
        }
        defer { Task { await server.stop() } }
        let payload = AWSTesting.payload(
            .s3,
            keys(server).merging([
                "awsRegion": "us-east-1", "awsRoleARN": "arn:aws:iam::123456789012:role/r", "awsExternalID": "ext-1",
            ]) { $1 })
        let report = try await ping(payload)
        #expect(report.category == .permission, "\(report.summary)")
        #expect(
            report.message?.contains("the session of role arn:aws:iam::123456789012:role/r") == true,
            "\(report.summary)")
        #expect(report.step("sts_assume_role")?.detail?.contains("ASIAPLANTEDSESSION01") == true)
        #expect(server.requests.count == 2)
        // AssumeRole (a signed form POST) with the configured keys; the call after it with the session's.
        try await SignatureCheck.verifyIndependently(
            Array(server.requests.prefix(1)), secret: Self.secret, service: "sts")
        try await SignatureCheck.verifyIndependently(
            Array(server.requests.dropFirst().prefix(1)), secret: Self.sessionSecret, sessionToken: Self.sessionToken,
            service: "s3")
        // Without keys, and only when the operator lends it, the service's own identity assumes the role:
        // AssumeRole goes to the operator's STS endpoint, never named in the report.
        let roleOnly = AWSTesting.payload(
            .s3,
            [
                "awsRegion": "us-east-1", "awsRoleARN": "arn:aws:iam::123456789012:role/r",
                "awsExternalID": "ext-1", "endpointURL": server.endpoint, "sslRootCert": TestPKI.caPEM,
            ])
        let requestsBefore = server.requests.count
        let ambient = try await ping(
            roleOnly, environment: ["AWS_ACCESS_KEY_ID": Self.keyID, "AWS_SECRET_ACCESS_KEY": Self.secret],
            stsEndpointURL: server.endpoint)
        #expect(ambient.step("sts_assume_role")?.status == .passed, "\(ambient.summary)")
        #expect(server.requests.count > requestsBefore)
        ProbeTesting.expectNoSecrets(in: ambient, secrets: [Self.keyID, Self.secret])
        // Not lent (the default): a 400 before anything is sent.
        await ProbeTesting.expectInvalid(
            AWSTesting.engine(), [(roleOnly, "this service does not lend its own AWS identity")])
        // Lent, but the role names no external ID: refused (the confused-deputy rule).
        var noExternalID = roleOnly
        noExternalID.sharedConfig["awsExternalID"] = nil
        await ProbeTesting.expectInvalid(
            AWSTesting.engine(environment: ["AWS_ACCESS_KEY_ID": Self.keyID, "AWS_SECRET_ACCESS_KEY": Self.secret]),
            [(noExternalID, "awsExternalID is required")])
    }

    @Test func describeStreamAnswerThatIsNotAStream() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { _ in .json(200, #"{"hello":"world"}"#) }
        defer { Task { await server.stop() } }
        let report = try await ping(
            AWSTesting.payload(
                .dynamodb,
                keys(server).merging(
                    ["streamsArn": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/l"]) { $1 }))
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        // DescribeStream is a signed JSON POST to the streams service.
        try await SignatureCheck.verifyIndependently(server.requests, secret: Self.secret, service: "dynamodb")
    }

    @Test func certificateFromAnotherCAIsTLS() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { _ in Self.listBuckets }
        defer { Task { await server.stop() } }
        var config = keys(server).merging(["awsRegion": "us-east-1"]) { $1 }
        config["sslRootCert"] = nil
        let report = try await ping(AWSTesting.payload(.s3, config))
        #expect(report.category == .tls, "\(report.summary)")
    }

    // MARK: Iceberg REST

    static let clientSecret = "client-secret-Planted-0123456789"
    static let accessToken = "access-token-Planted-abcdefghijkl"
    static let staticToken = "static-token-Planted-mnopqrstuvwx"

    static func catalog(_ request: ScriptedHTTPServer.Request) -> ScriptedHTTPServer.Response {
        switch request.pathOnly {
        case "/api/v1/oauth/tokens":
            guard request.form["grant_type"] == "client_credentials", request.form["client_id"] == "client-1",
                request.form["client_secret"] == clientSecret
            else {
                return .json(
                    401,
                    #"{"error":"invalid_client","error_description":"bad secret \#(request.form["client_secret"] ?? "")"}"#
                )
            }
            return .json(
                200,
                #"{"access_token":"\#(accessToken)","token_type":"bearer","expires_in":3600,"scope":"\#(request.form["scope"] ?? "")"}"#
            )
        case "/api/v1/config":
            let auth = request.header("Authorization")
            guard auth == "Bearer \(accessToken)" || auth == "Bearer \(staticToken)" else {
                return .json(
                    401,
                    #"{"error":{"message":"token \#(auth ?? "") rejected","type":"NotAuthorizedException","code":401}}"#
                )
            }
            if request.query["warehouse"] == "missing" {
                return .json(
                    404,
                    #"{"error":{"message":"Unable to find warehouse missing","type":"NotFoundException","code":404}}"#)
            }
            return .json(200, #"{"defaults":{},"overrides":{"prefix":"cat-1"}}"#)
        case "/api/v1/cat-1/namespaces":
            return .json(200, #"{"namespaces":[["db"],["analytics"]]}"#)
        default:
            return .json(404, #"{"error":{"message":"no route","type":"NoSuchRoute","code":404}}"#)
        }
    }

    func rest(_ server: ScriptedHTTPServer, _ extra: [String: String]) -> ConnectorPayload {
        AWSTesting.payload(
            .iceberg,
            ["provider": "rest", "uri": server.endpoint + "/api", "sslRootCert": TestPKI.caPEM].merging(extra) { $1 })
    }

    @Test func icebergRESTWithClientCredentials() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { Self.catalog($0) }
        defer { Task { await server.stop() } }
        let report = try await ping(rest(server, ["credential": "client-1:\(Self.clientSecret)", "warehouse": "wh"]))
        #expect(report.ok, "\(report.summary)")
        #expect(
            report.steps.map(\.name) == [
                "dns", "connect", "tls", "oauth_token", "catalog_config", "list_namespaces", "readiness",
            ],
            "\(report.summary)")
        #expect(report.step("oauth_token")?.detail?.contains("scope PRINCIPAL_ROLE:ALL") == true)
        #expect(report.step("catalog_config")?.detail?.contains("prefix cat-1") == true)
        #expect(report.step("list_namespaces")?.detail == "2 namespaces visible")
        #expect(server.requests.dropFirst().first?.path == "/api/v1/config?warehouse=wh")
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(!json.contains(Self.accessToken))
    }

    @Test func icebergRESTFailures() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { Self.catalog($0) }
        defer { Task { await server.stop() } }
        let badClient = try await ping(rest(server, ["credential": "client-1:wrong-secret-Planted-99"]), )
        #expect(badClient.category == .auth, "\(badClient.summary)")
        #expect(badClient.message?.contains("invalid_client") == true)
        #expect(!(badClient.message ?? "").contains("wrong-secret-Planted-99"), "the echoed secret must be masked")
        let badToken = try await ping(rest(server, ["token": "wrong-token-Planted-123456"]))
        #expect(badToken.category == .auth, "\(badToken.summary)")
        #expect(!(badToken.message ?? "").contains("wrong-token-Planted-123456"))
        let missing = try await ping(rest(server, ["token": Self.staticToken, "warehouse": "missing"]))
        #expect(missing.category == .databaseNotFound, "\(missing.summary)")
        let wrongURI = try await AWSTesting.ping(
            AWSTesting.engine(),
            AWSTesting.payload(
                .iceberg,
                [
                    "provider": "rest", "uri": server.endpoint + "/elsewhere", "token": Self.staticToken,
                    "sslRootCert": TestPKI.caPEM,
                ]))
        #expect(wrongURI.category == .invalidConfig, "\(wrongURI.summary)")
    }
}
