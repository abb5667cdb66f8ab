import Foundation
import Testing

@testable import PreflightRemote

@Suite("Remote commands: proxy variables read as curl reads them")
struct ProxySettingsTests {
    func proxy(_ environment: [String: String], scheme: String = "https", host: String = "svc.example.com") throws
        -> RemoteProxy?
    {
        try ProxySettings(environment: environment).proxy(scheme: scheme, host: host)
    }

    @Test("https takes https_proxy, then HTTPS_PROXY, then all_proxy/ALL_PROXY; none means direct")
    func httpsOrder() throws {
        #expect(try proxy([:]) == nil)
        #expect(try proxy(["HTTPS_PROXY": "http://upper:3128"])?.host == "upper")
        #expect(try proxy(["https_proxy": "http://lower:3128", "HTTPS_PROXY": "http://upper:3128"])?.host == "lower")
        #expect(try proxy(["ALL_PROXY": "http://all:3128"])?.host == "all")
        #expect(try proxy(["https_proxy": "", "all_proxy": "http://all:3128"])?.host == "all")
    }

    @Test(
        "http takes only the lower-case http_proxy (HTTP_PROXY can come from a request's Proxy header), then all_proxy")
    func httpOrder() throws {
        #expect(try proxy(["HTTP_PROXY": "http://upper:3128"], scheme: "http") == nil)
        #expect(try proxy(["http_proxy": "http://lower:3128"], scheme: "http")?.host == "lower")
        #expect(try proxy(["HTTPS_PROXY": "http://tls:3128"], scheme: "http") == nil)
        #expect(try proxy(["all_proxy": "http://all:3128"], scheme: "http")?.host == "all")
    }

    @Test(
        "no_proxy: *, the host, its domains with or without a dot, an address, a block; case and brackets ignored",
        arguments: [
            ("*", "svc.example.com", true),
            ("example.com", "svc.example.com", true),
            (".example.com", "svc.example.com", true),
            ("EXAMPLE.com.", "Svc.Example.COM", true),
            ("svc.example.com", "svc.example.com", true),
            ("ample.com", "svc.example.com", false),
            ("other.com, example.org", "svc.example.com", false),
            ("10.0.0.0/8", "10.1.2.3", true),
            ("10.0.0.0/8", "11.1.2.3", false),
            ("10.1.2.3", "10.1.2.3", true),
            ("::1", "[::1]", true),
            ("fd00::/8", "fd12::1", true),
            ("10.0.0.0/8", "ten.example.com", false),
            ("", "svc.example.com", false),
        ])
    func noProxy(list: String, host: String, bypassed: Bool) throws {
        let environment = ["https_proxy": "http://proxy:3128", "no_proxy": list]
        #expect(ProxySettings(environment: environment).bypasses(host) == bypassed)
        #expect((try proxy(environment, host: host) == nil) == bypassed)
        #expect(ProxySettings(environment: ["NO_PROXY": list]).bypasses(host) == bypassed)
    }

    @Test("a proxy URL: scheme optional, port 1080 by default, credentials become Basic and stay out of its name")
    func parse() throws {
        let bare = try ProxySettings.parse("proxy.corp:8080", variable: "HTTPS_PROXY")
        #expect(bare == RemoteProxy(host: "proxy.corp", port: 8080))
        #expect(try ProxySettings.parse("http://proxy.corp", variable: "HTTPS_PROXY").port == 1080)
        #expect(try ProxySettings.parse("http://[fd00::1]:3128/", variable: "HTTPS_PROXY").host == "fd00::1")
        let secret = try ProxySettings.parse("http://ann:p%40ss%3Aword@proxy.corp:3128", variable: "HTTPS_PROXY")
        #expect(secret.authorization == "Basic " + Data("ann:p@ss:word".utf8).base64EncodedString())
        #expect(secret.description == "proxy.corp:3128")
        #expect(!"\(secret)".contains("p@ss"))
    }

    @Test(
        "a proxy that cannot be used is refused, naming the variable",
        arguments: [
            ("socks5://proxy:1080", "socks5:// proxy"), ("https://proxy:443", "https:// proxy"),
            ("http://:3128", "no proxy host"), ("http://proxy:99999", "out of range"),
            ("http://proxy\r\nX: y", "control character"),
        ])
    func refused(value: String, says: String) {
        #expect {
            try ProxySettings.parse(value, variable: "HTTPS_PROXY")
        } throws: { error in
            let text = "\(error)"
            return text.contains("HTTPS_PROXY") && text.contains(says)
        }
    }
}
