import PreflightCore
import PreflightHTTP
import Testing

/// The HTTP encoder's last line: nothing with a control character is written, whatever its source.
@Suite("HTTPRequest: refused before it is written")
struct RequestInjectionTests {
    @Test(
        "header values with CR, LF, NUL or other control characters",
        arguments: ["tok\r\nX-Injected: yes", "tok\nDELETE /admin HTTP/1.1", "tok\rx", "a\u{0}b", "a\u{1b}[31m"])
    func controlCharactersInAValue(_ value: String) throws {
        let request = HTTPRequest("GET", "/", headers: [HTTPField("X-Amz-Security-Token", value)])
        let failure = try #require(throws: ProbeFailure.self) { try request.validatedForWire() }
        #expect(failure.category == .invalidConfig)
        #expect(failure.message.contains("X-Amz-Security-Token"))
        #expect(!failure.message.contains("tok"), "the value was quoted: \(failure.message)")
    }

    @Test("request targets and names", arguments: ["/a b", "/a\r\nHost: evil", "/\u{7f}"])
    func badTargets(_ path: String) {
        #expect(throws: ProbeFailure.self) { try HTTPRequest("GET", path).validatedForWire() }
        #expect(throws: ProbeFailure.self) { try HTTPRequest("GET", "/").validatedForWire(basePath: path) }
    }

    @Test func badNamesAndMethods() {
        #expect(throws: ProbeFailure.self) {
            try HTTPRequest("GET", "/", headers: [HTTPField("X Bad", "v")]).validatedForWire()
        }
        #expect(throws: ProbeFailure.self) { try HTTPRequest("GE T", "/").validatedForWire() }
    }

    @Test func ordinaryRequestsPass() throws {
        try HTTPRequest(
            "POST", "/v1/oauth/tokens?scope=PRINCIPAL_ROLE%3AALL",
            headers: [HTTPField("Authorization", "Bearer eyJhbGciOi.J9\tx"), HTTPField("X-Test", "ünïcode ok")]
        ).validatedForWire(basePath: "/catalog")
    }
}
