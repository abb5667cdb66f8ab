import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import OpenAPIRuntime
import PreflightCore
import PreflightTestSupport
import Testing

@testable import PreflightServer

@Suite("POST /connectors/ping: requests that cannot be attempted")
struct PingValidationTests {
    struct BadRequest: Sendable, CustomTestStringConvertible {
        var name: String
        var body: String
        /// Every one of these must appear in the message.
        var mentions: [String]
        var testDescription: String { name }
    }

    static let cases: [BadRequest] = [
        .init(name: "malformed JSON", body: #"{"type": "postgresql", "#, mentions: ["not valid JSON"]),
        .init(name: "empty body", body: "", mentions: ["empty"]),
        .init(name: "an array", body: "[1, 2]", mentions: ["JSON object", "an array"]),
        .init(name: "a string", body: #""postgresql""#, mentions: ["JSON object"]),
        .init(
            name: "missing type", body: #"{"sharedConfig": {}}"#,
            mentions: ["type is required", "supported types", "postgresql", "snowflake", "mysql"]),
        .init(name: "null type", body: #"{"type": null}"#, mentions: ["type is required"]),
        .init(name: "type not a string", body: #"{"type": 5}"#, mentions: ["type must be a string"]),
        .init(
            name: "unknown type", body: #"{"type": "oracle-db"}"#,
            mentions: ["unknown connector type", "oracle-db", "supported types", "postgresql"]),
        .init(
            name: "sharedConfig not an object", body: #"{"type": "postgresql", "sharedConfig": "host=db"}"#,
            mentions: ["sharedConfig must be an object"]),
        .init(
            name: "sharedConfig an array", body: #"{"type": "postgresql", "sharedConfig": []}"#,
            mentions: ["sharedConfig must be an object"]),
        .init(
            name: "port abc",
            body: #"{"type": "postgresql", "sharedConfig": {"host": "db.example.com", "port": "abc"}}"#,
            mentions: ["sharedConfig.port"]),
        .init(
            name: "port 70000",
            body: #"{"type": "postgresql", "sharedConfig": {"host": "db.example.com", "port": 70000}}"#,
            mentions: ["sharedConfig.port", "65535"]),
        .init(
            name: "missing host for postgresql",
            body: #"{"type": "postgresql", "sharedConfig": {"port": 5432, "user": "u"}}"#,
            mentions: ["sharedConfig.host", "required"]),
        .init(
            name: "unknown dataPlaneName",
            body: #"{"type": "postgresql", "dataPlaneName": "eu-west-9", "sharedConfig": {"host": "db", "user": "u"}}"#,
            mentions: ["dataPlaneName", "eu-west-9"]),
        .init(
            name: "bad sshTunnelUUID",
            body: #"{"type": "postgresql", "sshTunnelUUID": "tunnel-1", "sharedConfig": {"host": "db", "user": "u"}}"#,
            mentions: ["sshTunnelUUID", "UUID"]),
        .init(
            name: "label not a string",
            body: #"{"type": "postgresql", "label": 12, "sharedConfig": {"host": "db", "user": "u"}}"#,
            mentions: ["label must be a string"]),
        .init(
            name: "negative timeoutSeconds", body: #"{"type": "keyspaces", "timeoutSeconds": -1}"#,
            mentions: ["timeoutSeconds"]),
    ]

    @Test("400 with a message naming the problem", arguments: cases)
    func badRequest(_ testCase: BadRequest) async throws {
        try await withTestAPI { client, context in
            let response = try await client.ping(testCase.body, headers: context.auth)
            #expect(response.status == .badRequest, "\(response.text)")
            #expect(response.jsonKeys == ["error"], "\(response.text)")
            let message = try #require(response.errorMessage)
            for fragment in testCase.mentions {
                #expect(message.contains(fragment), "\(message) lacks \(fragment)")
            }
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test("a query parameter the generated decoder rejects is a 400, not a 500")
    func badVerbose() async throws {
        try await withTestAPI { client, context in
            let response = try await client.ping(
                #"{"type": "keyspaces"}"#, headers: context.auth, query: "?verbose=maybe")
            #expect(response.status == .badRequest, "\(response.text)")
            #expect(response.jsonKeys == ["error"])
            #expect(response.errorMessage?.contains("verbose") == true, "\(response.text)")
            for query in [
                "?verbose=1", "?verbose", "?verbose=TRUE", "?verbose=no", "?other=x&verbose=false",
                "?verbose=true&verbose=false",
            ] {
                let accepted = try await client.ping(#"{"type": "keyspaces"}"#, headers: context.auth, query: query)
                #expect(accepted.status == .ok, "\(query): \(accepted.text)")
            }
        }
    }

    @Test("a decoding failure inside the generated code is translated to a 400 naming the field")
    func generatedDecodingErrors() {
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ value: String) { stringValue = value }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        let mismatch = DecodingError.typeMismatch(
            String.self,
            .init(codingPath: [Key("sharedConfig"), Key("host")], debugDescription: "secret-looking value"))
        #expect(ErrorTranslator.describe(mismatch) == "sharedConfig.host must be a string")
        let missing = DecodingError.keyNotFound(Key("type"), .init(codingPath: [], debugDescription: ""))
        #expect(ErrorTranslator.describe(missing) == "type is required")
        let corrupt = DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "bad"))
        #expect(ErrorTranslator.describe(corrupt).contains("not valid JSON"))
    }

    @Test("413 for a 2 MiB body")
    func tooLarge() async throws {
        try await withTestAPI { client, context in
            let filler = String(repeating: "a", count: 2 << 20)
            let response = try await client.ping(
                #"{"type": "keyspaces", "label": "\#(filler)"}"#, headers: context.auth)
            #expect(response.status == .contentTooLarge)
            #expect(response.errorMessage?.contains("1 MiB") == true, "\(response.text)")
        }
    }

    @Test("413 over a real connection, and the connection still works afterwards")
    func tooLargeLive() async throws {
        try await withTestAPI(setup: .live) { client, context in
            let filler = String(repeating: "a", count: 2 << 20)
            let response = try await client.ping(
                #"{"type": "keyspaces", "label": "\#(filler)"}"#, headers: context.auth)
            #expect(response.status == .contentTooLarge)
            #expect(response.jsonKeys == ["error"])
            let next = try await client.ping(#"{"type": "keyspaces"}"#, headers: context.auth)
            #expect(next.status == .ok)
        }
    }

    @Test("a body just under the limit is read and validated")
    func underLimit() async throws {
        try await withTestAPI { client, context in
            let filler = String(repeating: "a", count: 1_000_000)
            let response = try await client.ping(
                #"{"type": "keyspaces", "label": "\#(filler)"}"#, headers: context.auth)
            #expect(response.status == .ok)
        }
    }

    @Test("the size limit holds for a body of unknown length (chunked)")
    func streamingLimit() async throws {
        let chunk = ByteBuffer(repeating: UInt8(ascii: "a"), count: 64 * 1024)
        let stream = AsyncStream<ByteBuffer> { continuation in
            for _ in 0..<40 { continuation.yield(chunk) }
            continuation.finish()
        }
        await #expect(throws: PingRoute.BodyTooLarge.self) {
            _ = try await PingRoute.collect(stream, upTo: 1 << 20)
        }
        let small = AsyncStream<ByteBuffer> { continuation in
            continuation.yield(ByteBuffer(string: "{}"))
            continuation.finish()
        }
        #expect(try await PingRoute.collect(small, upTo: 1 << 20) == Data("{}".utf8))
    }
}
