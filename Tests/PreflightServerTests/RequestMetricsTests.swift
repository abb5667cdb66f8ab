import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import PreflightServer

/// The per-request metrics (`RequestMetricsMiddleware`): Hummingbird's names and dimensions, recorded once per
/// request, for a whole body, a streamed body and a refusal. Each test uses routes of its own (the registry is
/// the process's, shared with tests running beside it).
@Suite("Request metrics")
struct RequestMetricsTests {
    /// The value of the sample line starting with `prefix` in the registry's text, or 0 when there is none.
    static func sample(_ prefix: String) -> Double {
        let text = String(decoding: bootstrapMetrics().emitToBuffer(), as: UTF8.self)
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
            return Double(line.split(separator: " ").last ?? "") ?? 0
        }
        return 0
    }

    static func labels(_ route: String, _ status: Int) -> String {
        #"{http_route="\#(route)",http_request_method="GET",http_response_status_code="\#(status)"}"#
    }

    @Test("a whole body, a streamed one and a thrown 400: each counted once, with a duration, under its route")
    func countedOncePerRequest() async throws {
        bootstrapMetrics()
        let prefix = "/request-metrics-\(UUID().uuidString.prefix(8))"
        let router = Router()
        router.add(middleware: RequestMetricsMiddleware())
        router.get("\(prefix)/whole") { _, _ in "whole" }
        router.get("\(prefix)/streamed") { _, _ in
            Response(
                status: .ok,
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: "part one "))
                    try await writer.write(ByteBuffer(string: "part two"))
                    try await writer.finish(nil)
                })
        }
        router.get("\(prefix)/refused") { _, _ -> String in throw HTTPError(.badRequest) }
        let app = Application(router: router)
        try await app.test(.router) { client in
            for _ in 0..<2 {
                let whole = try await client.execute(uri: "\(prefix)/whole", method: .get)
                #expect(String(buffer: whole.body) == "whole")
            }
            let streamed = try await client.execute(uri: "\(prefix)/streamed", method: .get)
            #expect(String(buffer: streamed.body) == "part one part two")
            let refused = try await client.execute(uri: "\(prefix)/refused", method: .get)
            #expect(refused.status == .badRequest)
        }
        #expect(Self.sample("hb_requests" + Self.labels("\(prefix)/whole", 200)) == 2)
        #expect(Self.sample("http_server_request_duration_count" + Self.labels("\(prefix)/whole", 200)) == 2)
        #expect(Self.sample("hb_requests" + Self.labels("\(prefix)/streamed", 200)) == 1)
        #expect(Self.sample("http_server_request_duration_count" + Self.labels("\(prefix)/streamed", 200)) == 1)
        #expect(Self.sample("hb_requests" + Self.labels("\(prefix)/refused", 400)) == 1)
        let errors = #"hb_request_errors{http_route="\#(prefix)/refused",http_request_method="GET",error_type="400"}"#
        #expect(Self.sample(errors) == 1)
    }
}
