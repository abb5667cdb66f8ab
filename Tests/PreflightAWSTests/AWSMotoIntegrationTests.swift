import Foundation
import PreflightCore
import PreflightEngine
import PreflightTestSupport
import Testing

/// Pings against moto (scripts/servers/moto.sh): real SigV4 checks and IAM policy evaluation for S3,
/// STS and DynamoDB Streams, reached through `endpointURL`.
@Suite(
    .enabled(
        if: MotoTestServer.fromEnvironment() != nil || TestEnvironment.requireIntegration,
        "needs scripts/servers/moto.sh"))
struct AWSMotoIntegrationTests {
    let server: MotoTestServer
    let engine = AWSTesting.engine(timeout: .seconds(10))

    init() throws {
        server = try #require(
            MotoTestServer.fromEnvironment(),
            "missing \(MotoTestServer.missingVariables): run scripts/servers/moto.sh start DIR ENVFILE and source ENVFILE"
        )
    }

    func keys(_ keyID: String? = nil, _ secret: String? = nil) -> [String: String] {
        [
            "awsAccessKeyID": keyID ?? server.goodKeyID, "awsSecretAccessKey": secret ?? server.goodSecret,
            "endpointURL": server.endpoint,
        ]
    }

    func s3(_ extra: [String: String] = [:], keyID: String? = nil, secret: String? = nil) -> ConnectorPayload {
        AWSTesting.payload(.s3, keys(keyID, secret).merging(["awsRegion": server.region]) { $1 }.merging(extra) { $1 })
    }

    func dynamo(_ stream: String, keyID: String? = nil, secret: String? = nil, role: String? = nil) -> ConnectorPayload
    {
        AWSTesting.payload(.dynamodb, keys(keyID, secret).merging(["streamsArn": stream]) { $1 }, role: role)
    }

    func ping(_ payload: ConnectorPayload) async throws -> PingReport {
        try await AWSTesting.ping(engine, payload, secrets: [server.goodSecret, server.deniedSecret])
    }

    @Test func goodKeyListsBucketsAndFindsTheBucket() async throws {
        let report = try await ping(s3(["bucket": server.bucket]))
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("list_buckets")?.detail?.contains(server.bucket) == true, "\(report.summary)")
        #expect(
            report.step("head_bucket")?.detail == "bucket \(server.bucket) in \(server.region) reachable",
            "\(report.summary)")
        #expect(report.steps.map(\.name).prefix(2) == ["dns", "connect"], "\(report.summary)")
    }

    @Test func goodKeyWithoutBucket() async throws {
        let report = try await ping(s3())
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("head_bucket") == nil)
    }

    @Test func wrongSecretIsAuthWithSignatureDoesNotMatch() async throws {
        let planted = "Wrong/Secret+Planted0000000000000000000"
        let report = try await AWSTesting.ping(engine, s3(secret: planted), secrets: [planted])
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.message?.contains("SignatureDoesNotMatch") == true, "\(report.summary)")
        #expect(report.message?.contains("secret access key does not belong") == true, "\(report.summary)")
        #expect(report.step("list_buckets")?.status == .failed)
    }

    @Test func unknownKeyIsAuthNamingTheKey() async throws {
        let report = try await ping(s3(keyID: "AKIAUNKNOWNUNKNOWN00"))
        #expect(report.category == .auth, "\(report.summary)")
        #expect(
            report.message?.contains("InvalidAccessKeyId") == true
                || report.message?.contains("InvalidClientTokenId") == true, "\(report.summary)")
        #expect(report.message?.contains("AKIAUNKNOWNUNKNOWN00") == true, "\(report.summary)")
    }

    @Test func deniedPolicyIsPermission() async throws {
        let report = try await ping(s3(keyID: server.deniedKeyID, secret: server.deniedSecret))
        #expect(report.category == .permission, "\(report.summary)")
        #expect(report.message?.contains("s3:ListAllMyBuckets") == true, "\(report.summary)")
        #expect(report.message?.contains("AccessDenied") == true, "\(report.summary)")
    }

    @Test func missingBucketIsDatabaseNotFound() async throws {
        let report = try await ping(s3(["bucket": "preflight-no-such-bucket"]))
        #expect(report.category == .databaseNotFound, "\(report.summary)")
        #expect(report.message?.contains("preflight-no-such-bucket") == true)
    }

    @Test func bucketInAnotherRegionIsInvalidConfig() async throws {
        let report = try await ping(s3(["bucket": server.euBucket]))
        #expect(report.category == .invalidConfig, "\(report.summary)")
        #expect(
            report.message == "bucket \(server.euBucket) is in eu-west-1, config says \(server.region) (awsRegion)",
            "\(report.summary)")
        #expect(report.hint == "set awsRegion to eu-west-1")
    }

    @Test func assumeRoleWithTheExternalID() async throws {
        let report = try await ping(
            s3(["bucket": server.bucket, "awsRoleARN": server.roleARN, "awsExternalID": server.externalID]))
        #expect(report.ok, "\(report.summary)")
        let assumed = try #require(report.step("sts_assume_role"), "\(report.summary)")
        #expect(
            assumed.detail?.contains("assumed") == true && assumed.detail?.contains("with the external ID") == true,
            "\(report.summary)")
        // The calls after it are signed with the session: the list step names the ASIA key.
        #expect(report.step("list_buckets")?.detail?.contains("ASIA") == true, "\(report.summary)")
    }

    @Test func assumeRoleWithAWrongExternalIDIsPermission() async throws {
        let report = try await ping(s3(["awsRoleARN": server.roleARN, "awsExternalID": "wrong-external-id"]))
        #expect(report.category == .permission, "\(report.summary)")
        #expect(report.message?.contains("may not assume role \(server.roleARN)") == true, "\(report.summary)")
        #expect(report.hint?.contains("sts:ExternalId") == true, "\(report.summary)")
        #expect(report.step("list_buckets") == nil)
    }

    @Test func streamWithNewAndOldImagesIsReady() async throws {
        let report = try await ping(dynamo(server.streamARN, role: "source"))
        #expect(report.ok, "\(report.summary)")
        #expect(report.check("stream_view_type")?.status == .passed)
        #expect(report.check("stream_status")?.observed == "ENABLED")
    }

    @Test func keysOnlyStreamFailsReadinessForASource() async throws {
        let report = try await ping(dynamo(server.keysOnlyStreamARN, role: "source"))
        #expect(report.category == .cdcNotReady, "\(report.summary)")
        let check = try #require(report.check("stream_view_type"))
        #expect(check.status == .failed && check.observed == "KEYS_ONLY" && check.required == "NEW_AND_OLD_IMAGES")
        #expect(check.fix?.contains("aws dynamodb update-table") == true)
        // DynamoDB is only ever a source: without connectionRole the stream still fails the ping.
        let unnamed = try await ping(dynamo(server.keysOnlyStreamARN))
        #expect(unnamed.category == .cdcNotReady, "\(unnamed.summary)")
        #expect(unnamed.step("readiness")?.status == .failed)
    }

    @Test func missingStreamIsDatabaseNotFound() async throws {
        let report = try await ping(
            dynamo("arn:aws:dynamodb:us-east-1:123456789012:table/none/stream/2020-01-01T00:00:00.000"))
        #expect(report.category == .databaseNotFound, "\(report.summary)")
        #expect(report.message?.contains("ResourceNotFoundException") == true, "\(report.summary)")
    }

    @Test func dynamoDBWithWrongSecretAndDeniedKey() async throws {
        let wrong = try await ping(dynamo(server.streamARN, secret: "Wrong/Secret+Planted0000000000000000000"))
        #expect(wrong.category == .auth && wrong.message?.contains("SignatureDoesNotMatch") == true, "\(wrong.summary)")
        let denied = try await ping(dynamo(server.streamARN, keyID: server.deniedKeyID, secret: server.deniedSecret))
        #expect(
            denied.category == .permission && denied.message?.contains("dynamodb:DescribeStream") == true,
            "\(denied.summary)")
    }

    @Test func dynamoDBThroughTheRole() async throws {
        let report = try await ping(
            AWSTesting.payload(
                .dynamodb,
                keys().merging([
                    "streamsArn": server.streamARN, "awsRoleARN": server.roleARN, "awsExternalID": server.externalID,
                ]) { $1 }, role: "source"))
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("sts_assume_role")?.status == .passed)
    }

    /// Ten pings of each kind against moto, every one of which must pass (with the steps it names); the
    /// mean time per ping is printed for the report, not asserted.
    @Test func timing() async throws {
        let clock = ContinuousClock()
        func measure(_ label: String, _ payload: ConnectorPayload, steps: [String]) async throws {
            let start = clock.now
            for _ in 0..<10 {
                let report = try await engine.ping(payload)
                #expect(report.ok, "\(label): \(report.summary)")
                #expect(steps.allSatisfy { report.step($0)?.status == .passed }, "\(label): \(report.summary)")
            }
            print("AWS moto \(label): \((clock.now - start) / 10) per ping")
        }
        try await measure(
            "s3 ping (ListBuckets + HeadBucket)", s3(["bucket": server.bucket]),
            steps: ["list_buckets", "head_bucket"])
        try await measure(
            "s3 ping with AssumeRole",
            s3(["bucket": server.bucket, "awsRoleARN": server.roleARN, "awsExternalID": server.externalID]),
            steps: ["sts_assume_role", "list_buckets", "head_bucket"])
        try await measure(
            "dynamodb ping (DescribeStream + readiness)", dynamo(server.streamARN, role: "source"),
            steps: ["describe_stream"])
    }
}
