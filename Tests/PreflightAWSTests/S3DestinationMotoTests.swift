import Foundation
import PreflightCore
import PreflightEngine
import PreflightTestSupport
import Testing

/// s3 and delta as destinations, against moto with IAM enforcement (scripts/servers/moto.sh): a key that may
/// list the bucket but not write, and one that may write. Neither may call iam:SimulatePrincipalPolicy, so
/// without `writeTest` the write permission is a warning saying it is unproven; with it, one empty object is
/// put and deleted, and boto3 (scripts/peers/s3_list.py) then lists the prefix to show nothing is left.
@Suite(
    .enabled(
        if: MotoDestinationKeys.fromEnvironment() != nil || TestEnvironment.requireIntegration,
        "needs scripts/servers/moto.sh"))
struct S3DestinationMotoTests {
    /// scripts/peers/s3_list.py, run by python3.
    static let lister = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/peers/s3_list.py").path

    let keys: MotoDestinationKeys
    let engine = AWSTesting.engine(timeout: .seconds(10))
    /// A prefix of this test's own, so parallel tests never see each other's objects.
    let prefix = "dest-\(UUID().uuidString.prefix(8).lowercased())/"

    init() throws {
        keys = try #require(
            MotoDestinationKeys.fromEnvironment(), "missing PREFLIGHT_TEST_AWS_* keys: run scripts/servers/moto.sh")
    }

    var server: MotoTestServer { keys.server }

    func payload(_ type: ConnectorType = .s3, writer: Bool, writeTest: Bool) -> ConnectorPayload {
        var config = [
            "awsAccessKeyID": writer ? keys.writerKeyID : keys.listerKeyID,
            "awsSecretAccessKey": writer ? keys.writerSecret : keys.listerSecret, "endpointURL": server.endpoint,
            "awsRegion": server.region, "bucket": server.bucket, "prefix": prefix,
        ]
        if writeTest { config["writeTest"] = "true" }
        return AWSTesting.payload(type, config)
    }

    func ping(_ payload: ConnectorPayload) async throws -> PingReport {
        try await AWSTesting.ping(engine, payload, secrets: [keys.listerSecret, keys.writerSecret, server.goodSecret])
    }

    /// The keys under this test's prefix, as boto3 lists them with the good key.
    func leftovers() async throws -> [String] {
        let result = try await IndependentVerifier.python([
            Self.lister, server.endpoint, server.region, server.goodKeyID, server.goodSecret, server.bucket, prefix,
        ])
        try #require(result.status == 0, "boto3 could not list the bucket: \(result.stderr)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        return try #require(object["keys"] as? [String], "\(result.stdout)")
    }

    @Test func withoutIAMSimulationRightsWritingIsAnUnprovenWarning() async throws {
        let report = try await ping(payload(writer: false, writeTest: false))
        #expect(report.ok, "\(report.summary)")
        #expect(
            report.step("caller_identity")?.detail?.contains("arn:aws:iam::123456789012:user/preflight-lister") == true,
            "\(report.summary)")
        let check = try #require(report.check("write_permissions"), "\(report.summary)")
        #expect(check.status == .warning)
        #expect(
            check.observed.hasPrefix(
                "unproven: arn:aws:iam::123456789012:user/preflight-lister may not call iam:SimulatePrincipalPolicy (AccessDenied"
            ), "\(check.observed)")
        #expect(check.detail?.contains("could not be proven without writing") == true)
        #expect(check.fix?.contains("set writeTest: true") == true, "\(check.fix ?? "")")
        #expect(check.fix?.contains("grant iam:SimulatePrincipalPolicy") == true, "\(check.fix ?? "")")
        #expect(check.required.contains("s3:PutObject, s3:DeleteObject on arn:aws:s3:::\(server.bucket)/\(prefix)*"))
        #expect(report.step("readiness")?.status == .warning)
        #expect(report.step("write_test") == nil, "never without the flag")
        #expect(try await leftovers().isEmpty)
    }

    @Test func aRefusedWriteTestIsPermissionAndLeavesNothing() async throws {
        let report = try await ping(payload(writer: false, writeTest: true))
        #expect(report.category == .permission, "\(report.summary)")
        let message = try #require(report.message)
        #expect(
            message.contains("may not call s3:PutObject on arn:aws:s3:::\(server.bucket)/\(prefix)preflight_"),
            "\(message)")
        #expect(message.contains("AccessDenied"), "\(message)")
        #expect(
            report.hint?.contains("grant s3:PutObject and s3:DeleteObject on arn:aws:s3:::\(server.bucket)/\(prefix)*")
                == true, "\(report.hint ?? "")")
        #expect(report.step("write_test")?.status == .failed)
        #expect(try await leftovers().isEmpty)
    }

    @Test func aWriterPutsAndDeletesOneEmptyObject() async throws {
        for type in [ConnectorType.s3, .delta] {
            let report = try await ping(payload(type, writer: true, writeTest: true))
            #expect(report.ok, "\(type): \(report.summary)")
            let step = try #require(report.step("write_test"), "\(report.summary)")
            #expect(step.status == .passed)
            let detail = step.detail ?? ""
            #expect(detail.hasPrefix("put the empty object s3://\(server.bucket)/\(prefix)preflight_"), "\(detail)")
            #expect(detail.hasSuffix("and deleted it: nothing is left"), "\(detail)")
            #expect(try await leftovers().isEmpty, "\(type)")
        }
    }

    @Test func withoutABucketTheCheckSaysSo() async throws {
        var unnamed = payload(writer: true, writeTest: true)
        unnamed.sharedConfig["bucket"] = nil
        let report = try await ping(unnamed)
        #expect(report.ok, "\(report.summary)")
        #expect(report.check("write_permissions")?.observed == "not checked: no bucket named")
        #expect(report.step("write_test")?.status == .skipped)
        #expect(report.step("caller_identity") == nil, "nothing to ask IAM about")
    }
}

/// The moto server and the destination users' keys (`PREFLIGHT_TEST_AWS_*`).
struct MotoDestinationKeys {
    var server: MotoTestServer
    var listerKeyID: String
    var listerSecret: String
    var writerKeyID: String
    var writerSecret: String

    static func fromEnvironment() -> MotoDestinationKeys? {
        guard let server = MotoTestServer.fromEnvironment() else { return nil }
        let names = ["LISTER_KEY_ID", "LISTER_SECRET", "WRITER_KEY_ID", "WRITER_SECRET"]
        let values = names.compactMap { TestEnvironment.value("PREFLIGHT_TEST_AWS_\($0)") }
        guard values.count == names.count else { return nil }
        return MotoDestinationKeys(
            server: server, listerKeyID: values[0], listerSecret: values[1], writerKeyID: values[2],
            writerSecret: values[3])
    }
}
