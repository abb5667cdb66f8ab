import PreflightAWS
import PreflightCore
import PreflightHTTP
import Testing

/// AWS error bodies (XML and JSON) and what they mean.
struct AWSErrorTests {
    static let call = AWSCall(
        product: "Amazon S3", action: "s3:ListAllMyBuckets", keyID: "AKIAIOSFODNN7EXAMPLE", region: "us-east-1")

    func parse(_ status: Int, _ body: String, header: String? = nil) -> AWSServiceError? {
        AWSServiceError.parse(status: status, body: Array(body.utf8), errorTypeHeader: header)
    }

    @Test func s3XMLError() throws {
        let error = try #require(
            parse(
                403,
                """
                <?xml version="1.0" encoding="UTF-8"?>
                <Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message><AWSAccessKeyId>AKIAIOSFODNN7EXAMPLE</AWSAccessKeyId></Error>
                """))
        #expect(error.code == "SignatureDoesNotMatch")
        #expect(error.message?.hasPrefix("The request signature") == true)
    }

    @Test func stsQueryError() throws {
        let error = try #require(
            parse(
                403,
                """
                <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>
                <Message>The security token included in the request is invalid.</Message></Error><RequestId>x</RequestId></ErrorResponse>
                """))
        #expect(error.code == "InvalidClientTokenId")
        let failure = AWSErrorMapping.failure(for: error, call: Self.call)
        #expect(failure.category == .auth)
        #expect(failure.message.contains("does not know access key AKIAIOSFODNN7EXAMPLE"))
        #expect(failure.message.contains("InvalidClientTokenId"))
    }

    @Test func regionErrorCarriesTheRegion() throws {
        let error = try #require(
            parse(
                400,
                """
                <Error><Code>AuthorizationHeaderMalformed</Code><Message>the region 'us-east-1' is wrong; expecting 'eu-west-1'</Message><Region>eu-west-1</Region></Error>
                """))
        #expect(error.region == "eu-west-1")
        let failure = AWSErrorMapping.failure(for: error, call: Self.call)
        #expect(failure.category == .invalidConfig)
        #expect(failure.hint?.contains("set awsRegion to eu-west-1") == true)
    }

    @Test func jsonErrors() throws {
        let dynamo = try #require(
            parse(
                400,
                #"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}"#
            ))
        #expect(dynamo.code == "ResourceNotFoundException")
        #expect(AWSErrorMapping.failure(for: dynamo, call: Self.call).category == .databaseNotFound)
        let unknown = try #require(
            parse(
                400,
                #"{"__type":"com.amazon.coral.service#UnrecognizedClientException","message":"The security token included in the request is invalid."}"#
            ))
        #expect(AWSErrorMapping.failure(for: unknown, call: Self.call).category == .auth)
        let denied = try #require(
            parse(
                400,
                #"{"__type":"com.amazon.coral.service#AccessDeniedException","Message":"User: arn:aws:iam::1:user/x is not authorized"}"#
            ))
        let failure = AWSErrorMapping.failure(for: denied, call: Self.call)
        #expect(failure.category == .permission)
        #expect(failure.message.contains("s3:ListAllMyBuckets"))
        // REST-JSON services put the code in a header.
        let tables = try #require(
            parse(
                404, #"{"message":"The specified bucket does not exist"}"#,
                header: "NotFoundException:http://internal.amazon.com/coral/"))
        #expect(tables.code == "NotFoundException")
        // moto answers DynamoDB auth failures with an XML body under a JSON content type.
        let xmlInJSON = try #require(
            parse(
                403,
                "<?xml version=\"1.0\"?><ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code><Message>m</Message></Error></Errors></ErrorResponse>"
            ))
        #expect(xmlInJSON.code == "SignatureDoesNotMatch")
    }

    @Test func categories() {
        func category(_ code: String, status: Int = 400) -> FailureCategory {
            AWSErrorMapping.failure(for: AWSServiceError(status: status, code: code), call: Self.call).category
        }
        #expect(category("SignatureDoesNotMatch", status: 403) == .auth)
        #expect(category("InvalidAccessKeyId", status: 403) == .auth)
        #expect(category("ExpiredToken") == .auth)
        #expect(category("AccessDenied", status: 403) == .permission)
        #expect(category("NoSuchBucket", status: 404) == .databaseNotFound)
        #expect(category("AuthorizationHeaderMalformed") == .invalidConfig)
        #expect(category("SlowDown", status: 503) == .serverUnavailable)
        #expect(category("ThrottlingException") == .serverUnavailable)
        #expect(category("SomethingNew", status: 500) == .serverUnavailable)
        #expect(category("SomethingNew", status: 403) == .permission)
        let wrongSecret = AWSErrorMapping.failure(
            for: AWSServiceError(status: 403, code: "SignatureDoesNotMatch"), call: Self.call)
        #expect(wrongSecret.message.contains("secret access key does not belong to it"))
    }

    @Test func notAWSAtAll() {
        #expect(parse(502, "<html><body>Bad gateway</body></html>") == nil)
        #expect(parse(403, "") == nil)
        #expect(parse(400, "\u{1}\u{2}garbage") == nil)
        #expect(parse(400, "{\"hello\": 1}") == nil)
        let html = HTTPResponse(status: 403, reason: "Forbidden", body: Array("<!DOCTYPE html><html>login</html>".utf8))
        let failure = AWSErrorMapping.failure(forUnrecognized: html, call: Self.call, endpoint: "proxy.example.com")
        #expect(failure.category == .protocolMismatch)
        #expect(failure.message.contains("an HTML page"))
        let busy = HTTPResponse(status: 503, reason: "Service Unavailable")
        #expect(
            AWSErrorMapping.failure(forUnrecognized: busy, call: Self.call, endpoint: "x").category
                == .serverUnavailable)
    }

    @Test func stsAccessDeniedTalksAboutTheTrustPolicy() {
        let failure = STSAssumeRole.failure(
            for: AWSServiceError(
                status: 403, code: "AccessDenied", message: "not authorized to perform: sts:AssumeRole"),
            roleARN: "arn:aws:iam::123456789012:role/r", callerKeyID: "AKIAIOSFODNN7EXAMPLE",
            externalIDGiven: true, region: "us-east-1")
        #expect(failure.category == .permission)
        #expect(failure.hint?.contains("trust policy") == true)
        #expect(failure.hint?.contains("awsExternalID") == true)
    }

    @Test func assumeRoleResponse() throws {
        let parsed = try #require(
            STSAssumeRole.parse(
                """
                <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
                <AssumedRoleUser><AssumedRoleId>AROA3XFRBF535PLBIFPI4:s3-access-example</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/demo/s3-access-example</Arn></AssumedRoleUser>
                <Credentials><SecretAccessKey>9drTJvcXLB89EXAMPLELB8923FB892xMFI</SecretAccessKey><SessionToken>AQoXdzELDDY//////////wEaoAK1wvxJY12r2IrDFT2IvAzTCn3zHoZ7YNtpiQLF0MqZye/qwjzP2iEXAMPLE</SessionToken>
                <Expiration>2014-10-24T23:00:23Z</Expiration><AccessKeyId>ASIAJEXAMPLEXEG2JICEA</AccessKeyId></Credentials>
                </AssumeRoleResult></AssumeRoleResponse>
                """))
        #expect(parsed.credentials.accessKeyID == "ASIAJEXAMPLEXEG2JICEA")
        #expect(parsed.credentials.sessionToken?.hasPrefix("AQoXdzELDDY") == true)
        #expect(parsed.assumedRoleARN == "arn:aws:sts::123456789012:assumed-role/demo/s3-access-example")
        #expect(STSAssumeRole.parse("<html>nope</html>") == nil)
        let request = STSAssumeRole.request(
            roleARN: "arn:aws:iam::123456789012:role/r", externalID: "ext", sessionName: "preflight-1")
        let form = String(decoding: request.body, as: UTF8.self)
        #expect(
            form.contains("Action=AssumeRole") && form.contains("ExternalId=ext")
                && form.contains("RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr"))
    }

    @Test func describeStreamAndReadiness() throws {
        let body =
            #"{"StreamDescription":{"StreamArn":"arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/l","StreamLabel":"l","StreamStatus":"ENABLED","StreamViewType":"KEYS_ONLY","TableName":"t","Shards":[]}}"#
        let description = try #require(DynamoDBStreams.parse(Array(body.utf8)))
        let stream = try StreamARN.parse("arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/l", key: "k")
        let checks = DynamoDBStreams.checks(description, stream: stream)
        #expect(checks.map(\.name) == ["stream_status", "stream_view_type"])
        #expect(checks[0].status == .passed)
        #expect(
            checks[1].status == .failed && checks[1].observed == "KEYS_ONLY"
                && checks[1].required == "NEW_AND_OLD_IMAGES")
        #expect(
            checks[1].fix?.contains(
                "aws dynamodb update-table --region us-east-1 --table-name t --stream-specification") == true)
        let disabled = DynamoDBStreams.Description(
            status: "DISABLED", viewType: "NEW_AND_OLD_IMAGES", tableName: "t", label: "l", shardCount: 0)
        #expect(DynamoDBStreams.checks(disabled, stream: stream).first?.status == .failed)
        let request = DynamoDBStreams.describeRequest(streamARN: stream.text)
        #expect(request.headers.contains(HTTPField("X-Amz-Target", "DynamoDBStreams_20120810.DescribeStream")))
        #expect(request.headers.contains(HTTPField("Content-Type", "application/x-amz-json-1.0")))
    }

    @Test func icebergErrors() {
        let oauth = IcebergREST.parseError(
            Array(#"{"error":"invalid_client","error_description":"Client authentication failed"}"#.utf8))
        #expect(oauth?.type == "invalid_client")
        #expect(IcebergREST.tokenFailure(status: 401, error: oauth, clientID: "c", endpoint: "e").category == .auth)
        #expect(IcebergREST.tokenFailure(status: 400, error: oauth, clientID: "c", endpoint: "e").category == .auth)
        let scope = IcebergREST.parseError(Array(#"{"error":"invalid_scope"}"#.utf8))
        #expect(
            IcebergREST.tokenFailure(status: 400, error: scope, clientID: "c", endpoint: "e").category == .invalidConfig
        )
        let iceberg = IcebergREST.parseError(
            Array(#"{"error":{"message":"Unable to find warehouse wh","type":"NotFoundException","code":404}}"#.utf8))
        #expect(iceberg?.type == "NotFoundException")
        #expect(
            IcebergREST.catalogFailure(
                status: 404, error: iceberg, what: "config", endpoint: "e", warehouse: "wh", authKind: "t"
            ).category == .databaseNotFound)
        #expect(
            IcebergREST.catalogFailure(
                status: 401, error: nil, what: "config", endpoint: "e", warehouse: nil, authKind: "t"
            ).category == .auth)
        #expect(
            IcebergREST.catalogFailure(
                status: 403, error: nil, what: "config", endpoint: "e", warehouse: nil, authKind: "t"
            ).category == .permission)
        #expect(
            IcebergREST.catalogFailure(
                status: 404, error: nil, what: "config", endpoint: "e", warehouse: nil, authKind: "t"
            ).category == .invalidConfig)
        #expect(IcebergREST.configPath(warehouse: "my wh") == "/v1/config?warehouse=my%20wh")
        #expect(IcebergREST.namespacesPath(prefix: "cat/1") == "/v1/cat/1/namespaces")
    }

    @Test func xmlText() {
        let text = "<A><Name>one</Name><Names>x</Names><Name attr=\"1\">t&amp;o</Name><Name/></A>"
        #expect(XMLText.elements("Name", in: text) == ["one", "t&o", ""])
        #expect(XMLText.contains("A", in: text))
        #expect(!XMLText.contains("B", in: text))
    }
}

extension AWSErrorTests {
    @Test func icebergBadRequestIsNotAMissingWarehouseUnlessItSaysSo() {
        let other = IcebergREST.ErrorBody(type: "BadRequestException", message: "malformed namespace")
        #expect(
            IcebergREST.catalogFailure(
                status: 400, error: other, what: "config", endpoint: "e", warehouse: "wh", authKind: "t"
            ).category == .invalidConfig)
        let warehouse = IcebergREST.ErrorBody(type: "BadRequestException", message: "Unable to find warehouse wh")
        #expect(
            IcebergREST.catalogFailure(
                status: 400, error: warehouse, what: "config", endpoint: "e", warehouse: "wh", authKind: "t"
            ).category == .databaseNotFound)
        let route = IcebergREST.ErrorBody(type: "NoSuchRoute", message: "no route")
        #expect(
            IcebergREST.catalogFailure(
                status: 404, error: route, what: "config", endpoint: "e", warehouse: nil, authKind: "t"
            ).category == .invalidConfig)
    }
}
