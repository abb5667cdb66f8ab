import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import OpenAPIRuntime
import Testing

@testable import PreflightServer

/// Every route reads at most 1 MiB of body (413 past it), also while a body of unknown length streams in.
@Suite("Request bodies are bounded on every route")
struct BodyLimitTests {
    @Test func aLargeTunnelBodyIs413() async throws {
        try await withTestAPI { client, context in
            let huge = String(repeating: "x", count: 2 << 20)
            let response = try await client.execute(
                uri: "/ssh-tunnels", method: .post, headers: context.auth,
                body: ByteBuffer(string: #"{"host":"h","username":"u","name":""# + huge + #""}"#))
            #expect(response.status == .contentTooLarge, "\(response.status)")
            #expect(response.jsonKeys == ["error"])
        }
    }

    @Test func aStreamedBodyOfUnknownLengthStopsAtTheLimit() async throws {
        let middleware = RequestBodyMiddleware(maxBodyBytes: 1 << 20, jsonOperations: [], optionalBodyOperations: [])
        let chunks = AsyncStream<ArraySlice<UInt8>> { continuation in
            for _ in 0..<40 { continuation.yield(ArraySlice(repeating: UInt8(ascii: "a"), count: 64 * 1024)) }
            continuation.finish()
        }
        let reached = ReachedFlag()
        let (response, _) = try await middleware.intercept(
            HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/ssh-tunnels"),
            body: HTTPBody(chunks, length: .unknown), metadata: .init(), operationID: "createSSHTunnel"
        ) { _, _, _ in
            reached.set()
            return (HTTPResponse(status: .ok), nil)
        }
        #expect(response.status == .contentTooLarge)
        #expect(!reached.value, "the handler saw an oversized body")
    }

    final class ReachedFlag: @unchecked Sendable {
        private let lock = NSLock()
        private var reached = false
        func set() { lock.withLock { reached = true } }
        var value: Bool { lock.withLock { reached } }
    }
}
