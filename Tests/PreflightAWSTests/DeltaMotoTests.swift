import Foundation
import PreflightCore
import PreflightEngine
import PreflightProbeTesting
import PreflightTestSupport
import Testing

/// `delta` (Delta Lake tables in S3) is the s3 probe under its own type: the same keys and calls, its own
/// name in messages. Against moto, as the s3 tests.
@Suite(
    .enabled(
        if: MotoTestServer.fromEnvironment() != nil || TestEnvironment.requireIntegration,
        "needs scripts/servers/moto.sh"))
struct DeltaMotoTests {
    let server: MotoTestServer
    let engine = AWSTesting.engine(timeout: .seconds(10))

    init() throws {
        server = try #require(MotoTestServer.fromEnvironment(), "missing \(MotoTestServer.missingVariables)")
    }

    func delta(_ extra: [String: String] = [:], secret: String? = nil) -> ConnectorPayload {
        AWSTesting.payload(
            .delta,
            [
                "awsAccessKeyID": server.goodKeyID, "awsSecretAccessKey": secret ?? server.goodSecret,
                "endpointURL": server.endpoint, "awsRegion": server.region,
            ].merging(extra) { $1 })
    }

    @Test func theBucketOfTheTablesIsFound() async throws {
        let report = try await AWSTesting.ping(engine, delta(["bucket": server.bucket]), secrets: [server.goodSecret])
        #expect(report.ok, "\(report.summary)")
        #expect(report.type == .delta)
        #expect(
            report.step("head_bucket")?.detail == "bucket \(server.bucket) in \(server.region) reachable",
            "\(report.summary)")
    }

    @Test func aWrongSecretIsAuth() async throws {
        let planted = "Delta/Wrong+Secret=0000000000000000000000"
        let report = try await AWSTesting.ping(engine, delta(secret: planted), secrets: [planted])
        #expect(report.category == .auth, "\(report.summary)")
    }

    @Test func theRegionIsRequiredAndNamedForDelta() async {
        var payload = delta()
        payload.sharedConfig["awsRegion"] = nil
        await ProbeTesting.expectInvalid(engine, [(payload, "sharedConfig.awsRegion is required for delta")])
    }
}
