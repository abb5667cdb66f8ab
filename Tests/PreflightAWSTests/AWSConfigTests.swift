import PreflightAWS
import PreflightCore
import PreflightHTTP
import Testing

/// Config validation: every refusal is a 400 naming the key, and never shows a secret.
struct AWSConfigTests {
    static let keyID = "AKIAIOSFODNN7EXAMPLE"
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

    func config(_ type: ConnectorType, _ values: [String: String]) throws(InvalidConfig) -> AWSConfig {
        try AWSConfig(payload: ConnectorPayload(type: type, sharedConfig: SharedConfig(strings: values)))
    }

    func refusal(_ type: ConnectorType, _ values: [String: String]) -> String {
        do {
            _ = try config(type, values)
            return "accepted"
        } catch {
            for secret in [Self.secret, values["awsSecretAccessKey"], values["token"], values["credential"]].compactMap(
                { $0 })
            {
                #expect(!error.message.contains(secret), "secret shown in \(error.message)")
            }
            return error.message
        }
    }

    @Test func s3WithKeysAndRegion() throws {
        let parsed = try config(
            .s3,
            [
                "awsAccessKeyID": Self.keyID, "awsSecretAccessKey": Self.secret, "awsRegion": "eu-west-1",
                "bucket": "my-bucket",
            ])
        #expect(parsed.region == "eu-west-1")
        #expect(parsed.plan == .s3(bucket: "my-bucket"))
        #expect(parsed.auth?.credentials?.accessKeyID == Self.keyID)
        #expect(parsed.notes.isEmpty)
    }

    @Test func s3NeedsRegionAndCredentials() {
        #expect(
            refusal(.s3, ["awsAccessKeyID": Self.keyID, "awsSecretAccessKey": Self.secret]).contains(
                "sharedConfig.awsRegion is required"))
        let missing = refusal(.s3, ["awsRegion": "us-east-1"])
        #expect(
            missing.contains("awsRoleARN") && missing.contains("awsAccessKeyID")
                && missing.contains("awsSecretAccessKey"))
        #expect(
            refusal(.s3, ["awsRegion": "us-east-1", "awsAccessKeyID": Self.keyID]).contains(
                "sharedConfig.awsSecretAccessKey is required"))
        #expect(
            refusal(.s3, ["awsRegion": "us-east-1", "awsSecretAccessKey": Self.secret]).contains(
                "sharedConfig.awsAccessKeyID is required"))
        // Empty strings count as absent (clients send every key).
        #expect(
            refusal(.s3, ["awsRegion": "us-east-1", "awsAccessKeyID": "", "awsSecretAccessKey": "", "awsRoleARN": ""])
                .contains("needs credentials"))
    }

    @Test func regionShapes() {
        let base = ["awsAccessKeyID": Self.keyID, "awsSecretAccessKey": Self.secret]
        #expect(refusal(.s3, base.merging(["awsRegion": "us-east-1a"]) { $1 }).contains("availability zone"))
        #expect(refusal(.s3, base.merging(["awsRegion": "US-EAST-1"]) { $1 }).contains("lower case"))
        #expect(refusal(.s3, base.merging(["awsRegion": "N. Virginia"]) { $1 }).contains("not an AWS region code"))
        for region in ["us-gov-west-1", "cn-north-1", "ap-southeast-2", "il-central-1"] {
            #expect(refusal(.s3, base.merging(["awsRegion": region]) { $1 }) == "accepted", "\(region)")
        }
    }

    @Test func accessKeyShapes() {
        let base = ["awsSecretAccessKey": Self.secret, "awsRegion": "us-east-1"]
        #expect(refusal(.s3, base.merging(["awsAccessKeyID": "AKIA IOSFODNN7EXAMPLE"]) { $1 }).contains("spaces"))
        #expect(refusal(.s3, base.merging(["awsAccessKeyID": "akia-short"]) { $1 }).contains("16 to 128 upper-case"))
        // The secret pasted into the key ID field: refused without showing it.
        let swapped = refusal(
            .s3, ["awsAccessKeyID": Self.secret, "awsSecretAccessKey": Self.keyID, "awsRegion": "us-east-1"])
        #expect(swapped.contains("swap"))
        // ASIA keys need their session token.
        #expect(refusal(.s3, base.merging(["awsAccessKeyID": "ASIAIOSFODNN7EXAMPLE"]) { $1 }).contains("ASIA"))
        #expect(
            refusal(.s3, base.merging(["awsAccessKeyID": "ASIAIOSFODNN7EXAMPLE", "awsSessionToken": "tok"]) { $1 })
                == "accepted")
        // A secret with a line break in it.
        #expect(
            refusal(
                .s3, ["awsAccessKeyID": Self.keyID, "awsSecretAccessKey": Self.secret + "\n", "awsRegion": "us-east-1"]
            ).contains("line breaks"))
    }

    @Test func oddKeyIDIsANoteNotARefusal() throws {
        let parsed = try config(
            .s3,
            ["awsAccessKeyID": "AKIDEXAMPLE00000000000", "awsSecretAccessKey": Self.secret, "awsRegion": "us-east-1"])
        #expect(parsed.notes.count == 1)
        // With endpointURL (a look-alike such as moto or MinIO) any key shape is fine.
        let local = try config(
            .s3,
            [
                "awsAccessKeyID": "minio", "awsSecretAccessKey": "minio123", "awsRegion": "us-east-1",
                "endpointURL": "http://127.0.0.1:9000",
            ])
        #expect(local.notes.isEmpty)
        #expect(local.endpointURL == HTTPEndpoint(isTLS: false, host: "127.0.0.1", port: 9000))
    }

    @Test func roleAndExternalID() throws {
        let parsed = try config(
            .s3,
            [
                "awsRegion": "us-east-1", "awsRoleARN": "arn:aws:iam::123456789012:role/path/reader",
                "awsExternalID": "ext-123",
            ])
        #expect(parsed.auth?.roleARN?.name == "reader")
        #expect(parsed.auth?.externalID == "ext-123")
        #expect(parsed.auth?.credentials == nil)
        #expect(
            refusal(.s3, ["awsRegion": "us-east-1", "awsRoleARN": "arn:aws:iam::123456789012:user/bob"]).contains(
                "not a role"))
        #expect(
            refusal(.s3, ["awsRegion": "us-east-1", "awsRoleARN": "reader"]).contains(
                "sharedConfig.awsRoleARN must be an IAM role ARN"))
        #expect(
            refusal(.s3, ["awsRegion": "us-east-1", "awsRoleARN": "arn:aws:iam::12345:role/r"]).contains("12 digits"))
        #expect(
            refusal(
                .s3,
                [
                    "awsRegion": "us-east-1", "awsAccessKeyID": Self.keyID, "awsSecretAccessKey": Self.secret,
                    "awsExternalID": "x1",
                ]
            )
            .contains("only used to assume a role"))
        #expect(
            refusal(
                .s3,
                [
                    "awsRegion": "us-east-1", "awsRoleARN": "arn:aws:iam::123456789012:role/r",
                    "awsExternalID": "bad id!",
                ]
            )
            .contains("sharedConfig.awsExternalID"))
    }

    @Test func dynamoDBStreamARN() throws {
        let arn = "arn:aws:dynamodb:eu-central-1:123456789012:table/orders/stream/2024-01-01T00:00:00.000"
        let parsed = try config(
            .dynamodb, ["streamsArn": arn, "awsAccessKeyID": Self.keyID, "awsSecretAccessKey": Self.secret])
        #expect(parsed.region == "eu-central-1")
        guard case .dynamodb(let stream) = parsed.plan else {
            Issue.record("not a dynamodb plan")
            return
        }
        #expect(stream.table == "orders")
        #expect(stream.label == "2024-01-01T00:00:00.000")
        let keys = ["awsAccessKeyID": Self.keyID, "awsSecretAccessKey": Self.secret]
        #expect(refusal(.dynamodb, keys).contains("sharedConfig.streamsArn is required"))
        #expect(
            refusal(
                .dynamodb,
                keys.merging(["streamsArn": "arn:aws:dynamodb:eu-central-1:123456789012:table/orders"]) { $1 }
            )
            .contains("the table's ARN, not its stream's"))
        #expect(
            refusal(
                .dynamodb, keys.merging(["streamsArn": "arn:aws:kinesis:eu-central-1:123456789012:stream/x"]) { $1 }
            )
            .contains("service kinesis"))
        #expect(refusal(.dynamodb, keys.merging(["streamsArn": "orders"]) { $1 }).contains("not an ARN"))
        #expect(
            refusal(
                .dynamodb, keys.merging(["streamsArn": "arn:aws:dynamodb:central:123456789012:table/t/stream/l"]) { $1 }
            )
            .contains("region"))
        // A different awsRegion is a note: the stream's region wins.
        let noted = try config(.dynamodb, keys.merging(["streamsArn": arn, "awsRegion": "us-east-1"]) { $1 })
        #expect(noted.region == "eu-central-1")
        #expect(noted.notes.first?.contains("stream's region is used") == true)
    }

    @Test func icebergS3Tables() throws {
        let arn = "arn:aws:s3tables:us-west-2:123456789012:bucket/lake"
        let keys = ["awsAccessKeyID": Self.keyID, "awsSecretAccessKey": Self.secret, "provider": "s3tables"]
        let parsed = try config(.iceberg, keys.merging(["bucketARN": arn, "region": "us-west-2"]) { $1 })
        #expect(parsed.region == "us-west-2")
        #expect(refusal(.iceberg, keys).contains("sharedConfig.bucketARN is required"))
        #expect(
            refusal(.iceberg, keys.merging(["bucketARN": arn, "region": "us-east-1"]) { $1 }).contains("must agree"))
        #expect(
            refusal(.iceberg, keys.merging(["bucketARN": "arn:aws:s3:::lake"]) { $1 }).contains(
                "sharedConfig.bucketARN"))
        #expect(refusal(.iceberg, ["bucketARN": arn]).contains("sharedConfig.provider is required"))
        #expect(refusal(.iceberg, ["provider": "glue"]).contains("\"glue\" is not supported"))
    }

    @Test func icebergREST() throws {
        let parsed = try config(
            .iceberg,
            [
                "provider": "rest", "uri": "https://catalog.example.com/api/catalog",
                "credential": "client-1:s3cr3t-value",
                "warehouse": "wh",
            ])
        guard case .icebergREST(let rest) = parsed.plan else {
            Issue.record("not rest")
            return
        }
        #expect(
            rest.catalog == HTTPEndpoint(isTLS: true, host: "catalog.example.com", port: 443, basePath: "/api/catalog"))
        guard case .clientCredentials(let id, let secret, let tokenEndpoint, let path, let scope) = rest.auth else {
            Issue.record("no client credentials")
            return
        }
        #expect(id == "client-1" && secret == "s3cr3t-value" && scope == "PRINCIPAL_ROLE:ALL")
        #expect(
            tokenEndpoint == HTTPEndpoint(isTLS: true, host: "catalog.example.com", port: 443, basePath: "/api/catalog")
        )
        #expect(path == "/v1/oauth/tokens")
        let custom = try config(
            .iceberg,
            [
                "provider": "rest", "uri": "https://c.example.com", "credential": "a:b",
                "authURI": "https://auth.example.com/oauth2/token", "scope": "catalog",
            ])
        guard case .icebergREST(let rest2) = custom.plan,
            case .clientCredentials(_, _, let endpoint2, let path2, let scope2) = rest2.auth
        else {
            Issue.record("no client credentials")
            return
        }
        #expect(endpoint2.host == "auth.example.com" && path2 == "/oauth2/token" && scope2 == "catalog")
        #expect(refusal(.iceberg, ["provider": "rest"]).contains("sharedConfig.uri is required"))
        #expect(
            refusal(.iceberg, ["provider": "rest", "uri": "https://c.example.com", "credential": "no-colon-secret"])
                .contains("CLIENT_ID:CLIENT_SECRET"))
        #expect(
            refusal(
                .iceberg,
                ["provider": "rest", "uri": "https://c.example.com", "credential": "a:b", "token": "t0ken-value"]
            ).contains("not both"))
        #expect(refusal(.iceberg, ["provider": "rest", "uri": "ftp://c.example.com"]).contains("sharedConfig.uri"))
    }

    @Test func extensionKeys() {
        let base = ["awsAccessKeyID": Self.keyID, "awsSecretAccessKey": Self.secret, "awsRegion": "us-east-1"]
        #expect(refusal(.s3, base.merging(["endpointURL": "s3://bucket"]) { $1 }).contains("sharedConfig.endpointURL"))
        #expect(refusal(.s3, base.merging(["sslRootCert": "not a pem"]) { $1 }).contains("sharedConfig.sslRootCert"))
        #expect(refusal(.s3, base.merging(["bucket": "a/b"]) { $1 }).contains("sharedConfig.bucket"))
        #expect(refusal(.s3, base.merging(["bucket": "s3://my-bucket"]) { $1 }) == "accepted")
    }
}
