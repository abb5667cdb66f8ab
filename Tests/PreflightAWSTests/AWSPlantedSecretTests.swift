import Foundation
import PreflightCore
import PreflightEngine
import PreflightTestSupport
import Testing

/// Planted secrets (secret key, session token, iceberg token and credential) never reach a report, even
/// when the peer echoes every header and body it received back in its error messages.
@Suite(.serialized)
struct AWSPlantedSecretTests {
    static let secret = "PlantedSecretKey/0123456789+abcdefghijklm"
    static let sessionToken = "PlantedSessionToken0123456789abcdefghij"
    static let icebergToken = "PlantedIcebergToken-0123456789"
    static let clientSecret = "PlantedClientSecret-0123456789"
    static let all = [secret, sessionToken, icebergToken, clientSecret]

    /// Answers every request with an error that quotes the whole request.
    static func echo(_ request: ScriptedHTTPServer.Request) -> ScriptedHTTPServer.Response {
        let everything =
            request.headers.map { "\($0.name): \($0.value)" }.joined(separator: " | ") + " | " + request.text
        let escaped = everything.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(
            of: "<", with: "&lt;")
        if request.pathOnly.contains("/v1/") {
            let quoted = everything.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
                of: "\"", with: "\\\"")
            if request.pathOnly.hasSuffix("/oauth/tokens") {
                return .json(401, #"{"error":"invalid_client","error_description":"\#(quoted)"}"#)
            }
            return .json(403, #"{"error":{"message":"\#(quoted)","type":"ForbiddenException","code":403}}"#)
        }
        return .init(
            status: 403, headers: [("Content-Type", "application/xml")],
            body: "<Error><Code>AccessDenied</Code><Message>\(escaped)</Message></Error>")
    }

    @Test func echoingPeerNeverGetsASecretIntoTheReport() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { Self.echo($0) }
        defer { Task { await server.stop() } }
        let base = [
            "awsAccessKeyID": "ASIAIOSFODNN7EXAMPLE", "awsSecretAccessKey": Self.secret,
            "awsSessionToken": Self.sessionToken,
            "endpointURL": server.endpoint, "sslRootCert": TestPKI.caPEM,
        ]
        let payloads: [ConnectorPayload] = [
            AWSTesting.payload(.s3, base.merging(["awsRegion": "us-east-1"]) { $1 }),
            AWSTesting.payload(
                .s3,
                base.merging([
                    "awsRegion": "us-east-1", "awsRoleARN": "arn:aws:iam::123456789012:role/r",
                    "awsExternalID": "ext-id",
                ]) { $1 }),
            AWSTesting.payload(
                .dynamodb,
                base.merging(["streamsArn": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/l"]) { $1 }),
            AWSTesting.payload(
                .iceberg,
                base.merging([
                    "provider": "s3tables", "bucketARN": "arn:aws:s3tables:us-east-1:123456789012:bucket/lake",
                ]) { $1 }),
            AWSTesting.payload(
                .iceberg,
                ["provider": "rest", "uri": server.endpoint, "sslRootCert": TestPKI.caPEM, "token": Self.icebergToken]),
            AWSTesting.payload(
                .iceberg,
                [
                    "provider": "rest", "uri": server.endpoint, "sslRootCert": TestPKI.caPEM,
                    "credential": "client-9:" + Self.clientSecret,
                ]),
        ]
        for payload in payloads {
            let report = try await AWSTesting.ping(AWSTesting.engine(), payload, secrets: Self.all)
            #expect(!report.ok && [.permission, .auth].contains(report.category), "\(report.summary)")
            // The echo really carried the secrets: the message quotes the request.
            #expect(report.message?.contains("[redacted]") == true, "\(report.summary)")
        }
        #expect(server.requests.count == payloads.count)
    }
}
