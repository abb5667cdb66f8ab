import Foundation
import PreflightCore
import Testing

/// The nesting guard in front of JSON decoding; the deep inputs come from the FuzzJSON target, where
/// 300 nested arrays (600 bytes) took seconds to decode.
@Suite("JSON nesting")
struct JSONNestingTests {
    private func nested(_ depth: Int, open: String = "[", close: String = "]") -> [UInt8] {
        Array((String(repeating: open, count: depth) + String(repeating: close, count: depth)).utf8)
    }

    @Test func deepArraysAreNotParsed() {
        #expect(JSONValue.parse(nested(300)) == nil)
        #expect(JSONValue.parse(nested(JSONNesting.maximumDepth + 1)) == nil)
    }

    @Test func nestingUpToTheLimitIsParsed() {
        var expected = JSONValue.array([])
        for _ in 1..<JSONNesting.maximumDepth { expected = .array([expected]) }
        #expect(JSONValue.parse(nested(JSONNesting.maximumDepth)) == expected)
    }

    @Test func bracketsInsideStringsDoNotCount() {
        let text = "{\"a\":\"" + String(repeating: "[{", count: 200) + "\\\"]\"}"
        #expect(!JSONNesting.exceeds(in: Array(text.utf8)))
        #expect(JSONValue.parse(Array(text.utf8))?["a"]?.stringValue?.hasPrefix("[{[{") == true)
    }

    @Test func objectsCountLikeArrays() {
        let deep = Array((String(repeating: "{\"k\":", count: 65) + "1" + String(repeating: "}", count: 65)).utf8)
        #expect(JSONNesting.exceeds(in: deep))
        #expect(JSONValue.parse(deep) == nil)
    }

    @Test func aDeepRequestBodyIsRefusedByName() {
        let body =
            "{\"type\":\"postgresql\",\"sharedConfig\":{\"x\":" + String(repeating: "[", count: 300)
            + String(repeating: "]", count: 300) + "}}"
        #expect(throws: InvalidConfig.self) { try ConnectorPayload.decode(json: Data(body.utf8)) }
        do {
            _ = try ConnectorPayload.decode(json: Data(body.utf8))
        } catch {
            #expect(error.message.contains("deeper than 64 levels"))
        }
    }
}
