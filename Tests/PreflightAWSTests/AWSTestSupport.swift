import Foundation
import PreflightAWS
import PreflightCore
import PreflightEngine
import PreflightProbeTesting
import PreflightTestSupport
import Testing

/// Shared helpers: an engine with only the AWS probes, payloads, and a report check that no secret leaked.
enum AWSTesting {
    /// An engine with the AWS probes; with `environment` (AWS_ACCESS_KEY_ID...) it lends that identity to
    /// assume roles, sending AssumeRole to `stsEndpointURL`, as `serve --aws-ambient-credentials` does.
    static func engine(
        timeout: Duration = .seconds(10), environment: [String: String] = [:], stsEndpointURL: String? = nil
    ) -> PingEngine {
        let ambient = try? AWSAmbientIdentity(environment: environment, stsEndpointURL: stsEndpointURL)
        return ProbeTesting.engine([AWSProbeFactory(lending: ambient ?? nil)], timeout: timeout)
    }

    static func payload(
        _ type: ConnectorType, _ config: [String: String], role: String? = nil, timeoutSeconds: Double? = nil
    ) -> ConnectorPayload {
        ConnectorPayload(
            type: type, sharedConfig: SharedConfig(strings: config), connectionRole: role,
            timeoutSeconds: timeoutSeconds)
    }

    /// Pings, then checks that none of `secrets` (nor any secret-named key of the config) is anywhere in the JSON report.
    /// Runs `payload` to its deadline on a manual clock, once `ready()` says the peer has the request.
    static func pingToTheDeadline(
        _ payload: ConnectorPayload, secrets: [String] = [], sourceLocation: SourceLocation = #_sourceLocation,
        until ready: @Sendable () -> Bool
    ) async throws -> PingReport {
        try await ProbeTesting.pingToTheDeadline(
            [AWSProbeFactory()], payload, secrets: secrets, until: ready, sourceLocation: sourceLocation
        )
    }

    static func ping(
        _ engine: PingEngine, _ payload: ConnectorPayload, secrets: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> PingReport {
        try await ProbeTesting.ping(engine, payload, secrets: secrets, sourceLocation: sourceLocation)
    }

    /// A config for S3 against `endpoint` (a scripted or moto peer).
    static func s3Config(
        endpoint: String, keyID: String = "AKIAIOSFODNN7EXAMPLE",
        secret: String = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        region: String = "us-east-1", extra: [String: String] = [:]
    ) -> [String: String] {
        var config = [
            "awsAccessKeyID": keyID, "awsSecretAccessKey": secret, "awsRegion": region, "endpointURL": endpoint,
        ]
        for (key, value) in extra { config[key] = value }
        return config
    }
}

/// The moto server of `scripts/servers/moto.sh` (read from `PREFLIGHT_TEST_AWS_*`).
struct MotoTestServer: Sendable {
    var endpoint: String
    var region: String
    var goodKeyID: String
    var goodSecret: String
    var deniedKeyID: String
    var deniedSecret: String
    var roleARN: String
    var externalID: String
    var bucket: String
    var euBucket: String
    var streamARN: String
    var keysOnlyStreamARN: String

    static let variables = [
        "ENDPOINT", "REGION", "GOOD_KEY_ID", "GOOD_SECRET", "DENIED_KEY_ID", "DENIED_SECRET", "ROLE_ARN",
        "EXTERNAL_ID", "BUCKET", "EU_BUCKET", "STREAM_ARN", "KEYS_ONLY_STREAM_ARN",
    ].map { "PREFLIGHT_TEST_AWS_\($0)" }

    static var missingVariables: [String] { variables.filter { TestEnvironment.value($0) == nil } }

    static func fromEnvironment() -> MotoTestServer? {
        guard missingVariables.isEmpty else { return nil }
        func value(_ name: String) -> String { TestEnvironment.value("PREFLIGHT_TEST_AWS_\(name)") ?? "" }
        return MotoTestServer(
            endpoint: value("ENDPOINT"), region: value("REGION"), goodKeyID: value("GOOD_KEY_ID"),
            goodSecret: value("GOOD_SECRET"),
            deniedKeyID: value("DENIED_KEY_ID"), deniedSecret: value("DENIED_SECRET"), roleARN: value("ROLE_ARN"),
            externalID: value("EXTERNAL_ID"), bucket: value("BUCKET"), euBucket: value("EU_BUCKET"),
            streamARN: value("STREAM_ARN"),
            keysOnlyStreamARN: value("KEYS_ONLY_STREAM_ARN"))
    }
}
