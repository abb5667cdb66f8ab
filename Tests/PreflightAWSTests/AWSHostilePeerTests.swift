import Foundation
import PreflightCore
import PreflightEngine
import PreflightTestSupport
import Testing

/// Every AWS ping ends categorised within its deadline whatever `endpointURL` points at.
@Suite(.serialized)
struct AWSHostilePeerTests {
    static let hostile: [(String, HostilePeer.Behaviour, FailureCategory)] = [
        ("silent", .silent, .timeout),
        (
            "drip",
            .drip(bytes: Array("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".utf8), interval: .milliseconds(300)),
            .timeout
        ),
        ("garbage", .garbage(Array("\u{0}\u{1}\u{2}not http at all\r\n\r\n".utf8)), .protocolMismatch),
        ("accept and close", .acceptAndClose, .protocolMismatch),
        (
            "huge body",
            .flood(header: Array("HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n".utf8), onAccept: false),
            .protocolMismatch
        ),
        (
            "close mid-answer", .closeAfter(bytes: Array("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n<ListAll".utf8)),
            .protocolMismatch
        ),
        (
            "html page",
            .replyWith(
                Array(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 27\r\n\r\n<html><body>hi</body></html"
                        .utf8)), .protocolMismatch
        ),
        (
            "html 403",
            .replyWith(Array("HTTP/1.1 403 Forbidden\r\nContent-Length: 28\r\n\r\n<html><body>no</body></html>".utf8)),
            .protocolMismatch
        ),
    ]

    static let secret = "Planted/Secret+Hostile000000000000000000"

    func payloads(_ port: Int) -> [(String, ConnectorPayload)] {
        let endpoint = "http://127.0.0.1:\(port)"
        let keys = [
            "awsAccessKeyID": "AKIAIOSFODNN7EXAMPLE", "awsSecretAccessKey": Self.secret, "endpointURL": endpoint,
        ]
        return [
            (
                "s3",
                AWSTesting.payload(
                    .s3, keys.merging(["awsRegion": "us-east-1", "bucket": "b-1"]) { $1 }, timeoutSeconds: 1.5)
            ),
            (
                "dynamodb",
                AWSTesting.payload(
                    .dynamodb,
                    keys.merging(["streamsArn": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/l"]) { $1 },
                    role: "source", timeoutSeconds: 1.5)
            ),
            (
                "s3 role",
                AWSTesting.payload(
                    .s3,
                    keys.merging(["awsRegion": "us-east-1", "awsRoleARN": "arn:aws:iam::123456789012:role/r"]) { $1 },
                    timeoutSeconds: 1.5)
            ),
            (
                "s3tables",
                AWSTesting.payload(
                    .iceberg,
                    keys.merging([
                        "provider": "s3tables", "bucketARN": "arn:aws:s3tables:us-east-1:123456789012:bucket/lake",
                    ]) { $1 },
                    timeoutSeconds: 1.5)
            ),
            (
                "iceberg rest",
                AWSTesting.payload(
                    .iceberg, ["provider": "rest", "uri": endpoint, "credential": "client:" + Self.secret],
                    timeoutSeconds: 1.5)
            ),
        ]
    }

    @Test(arguments: 0..<8)
    func hostilePeersEndCategorisedWithinTheDeadline(index: Int) async throws {
        let (name, behaviour, expected) = Self.hostile[index]
        let peer = try await HostilePeer(behaviour)
        defer { Task { await peer.shutdown() } }
        for (type, payload) in payloads(peer.port) {
            if expected == .timeout {
                // Silent or too slow: the deadline ends it, on a manual clock once the peer has the request.
                let before = peer.bytesReceived
                let report = try await AWSTesting.pingToTheDeadline(payload, secrets: [Self.secret]) {
                    peer.bytesReceived > before
                }
                #expect(report.category == .timeout, "\(name) / \(type): \(report.summary)")
                continue
            }
            let report = try await AWSTesting.ping(AWSTesting.engine(), payload, secrets: [Self.secret])
            // An HTML 403 to the iceberg catalog is still "not a catalog".
            if name == "accept and close" {
                // HTTPClient reports a close before the request as unreachable or after it as protocol_mismatch,
                // depending on which it notices first.
                #expect(
                    [.protocolMismatch, .unreachable].contains(report.category), "\(name) / \(type): \(report.summary)")
            } else {
                #expect(report.category == expected, "\(name) / \(type): \(report.summary)")
            }
            #expect(report.durationMs < 1500, "\(name) / \(type) took \(report.durationMs) ms")
        }
    }
}
