import PreflightCore
import PreflightHTTP
import Testing

@Suite("HTTPEndpoint parsing")
struct HTTPEndpointTests {
    @Test func bareHostIsHTTPSOn443() throws {
        let endpoint = try HTTPEndpoint.parse("Example.COM", key: "host")
        #expect(endpoint == HTTPEndpoint(isTLS: true, host: "example.com", port: 443))
        #expect(endpoint.hostHeader == "example.com")
        #expect(endpoint.description == "https://example.com")
    }

    @Test func urlWithPortAndPath() throws {
        let endpoint = try HTTPEndpoint.parse("http://127.0.0.1:8123/base/", key: "endpointURL")
        #expect(endpoint == HTTPEndpoint(isTLS: false, host: "127.0.0.1", port: 8123, basePath: "/base"))
        #expect(endpoint.hostHeader == "127.0.0.1:8123")
    }

    @Test func ipv6WithPort() throws {
        let endpoint = try HTTPEndpoint.parse("https://[::1]:8443", key: "endpointURL")
        #expect(endpoint.host == "::1")
        #expect(endpoint.port == 8443)
        #expect(endpoint.hostHeader == "[::1]:8443")
    }

    @Test func hostAndPortWithoutScheme() throws {
        let endpoint = try HTTPEndpoint.parse("db.example.test:9000", key: "addresses", defaultTLS: false)
        #expect(endpoint == HTTPEndpoint(isTLS: false, host: "db.example.test", port: 9000))
    }

    @Test func queryIsDroppedAndNeverEchoed() throws {
        let endpoint = try HTTPEndpoint.parse("https://h.example.test/p?token=SECRETVALUE", key: "uri")
        #expect(endpoint.basePath == "/p")
        #expect(!endpoint.description.contains("SECRETVALUE"))
    }

    @Test(arguments: [
        ("ftp://x.example.test", "http:// or https://"),
        ("https://user:pw@x.example.test", "must not carry a user name"),
        ("https://x.example.test:99999", "port"),
        ("https://x.example.test:abc", "port"),
        ("", "empty"),
        ("https://", "no host"),
        ("https://[::1", "unclosed"),
        ("https://a b.example.test", "without spaces"),
    ])
    func refusals(input: String, expected: String) {
        do {
            _ = try HTTPEndpoint.parse(input, key: "endpointURL")
            Issue.record("\(input) was accepted")
        } catch {
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(error.message.contains("sharedConfig.endpointURL"), "\(error.message)")
            if input.contains("pw@") { #expect(!error.message.contains("pw")) }
        }
    }

    @Test func formEncodingFollowsRFC3986() {
        #expect(FormEncoding.percentEncode("a b/c~d") == "a%20b%2Fc~d")
        #expect(FormEncoding.percentEncode("a b/c", keepSlash: true) == "a%20b/c")
        #expect(
            FormEncoding.encode([("grant_type", "client_credentials"), ("scope", "x:y z")])
                == "grant_type=client_credentials&scope=x%3Ay%20z")
        #expect(FormEncoding.percentEncode("é") == "%C3%A9")
    }

    @Test func jsonRequestHasSortedKeysAndContentType() {
        let request = HTTPRequest.json("POST", "v1/x", .object(["b": .number(1), "a": .string("x/y")]))
        #expect(request.path == "/v1/x")
        #expect(request.header("content-type") == "application/json")
        #expect(String(decoding: request.body, as: UTF8.self) == #"{"a":"x/y","b":1}"#)
    }

    @Test func responsePreviewIsOneShortLine() {
        let response = HTTPResponse(
            status: 502, reason: "Bad Gateway", body: Array("<html>\n  <body>\tBad   gateway</body></html>".utf8))
        #expect(response.preview(200) == "<html> <body> Bad gateway</body></html>")
        #expect(response.looksLikeHTML)
        #expect(response.statusLine == "HTTP 502 Bad Gateway")
        #expect(!response.isSuccess)
    }
}
