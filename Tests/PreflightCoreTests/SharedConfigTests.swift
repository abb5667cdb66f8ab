import PreflightCore
import Testing

@Suite("SharedConfig")
struct SharedConfigTests {
    private func port(_ value: JSONValue?, default defaultPort: Int? = 5432) throws(InvalidConfig) -> Int {
        var config = SharedConfig()
        config["port"] = value
        return try config.port("port", default: defaultPort, for: .postgresql)
    }

    private func portFailure(
        _ value: JSONValue?, default defaultPort: Int? = 5432, sourceLocation: SourceLocation = #_sourceLocation
    ) -> String {
        do {
            let port = try port(value, default: defaultPort)
            Issue.record("expected InvalidConfig, got port \(port)", sourceLocation: sourceLocation)
            return ""
        } catch {
            return error.message
        }
    }

    private func host(_ raw: String) throws(InvalidConfig) -> String {
        try SharedConfig(strings: ["host": raw]).host("host", for: .postgresql)
    }

    private func hostFailure(_ raw: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        do {
            let host = try host(raw)
            Issue.record("expected InvalidConfig, got host \(host)", sourceLocation: sourceLocation)
            return ""
        } catch {
            return error.message
        }
    }

    // MARK: port

    @Test func portAsInteger() throws {
        #expect(try port(.number(5432)) == 5432)
        #expect(try port(.number(1)) == 1)
        #expect(try port(.number(65535)) == 65535)
        #expect(try port(.number(6543.0)) == 6543)
    }

    @Test func portAsString() throws {
        #expect(try port(.string("5432")) == 5432)
        #expect(try port(.string(" 6432 ")) == 6432)
    }

    @Test(
        "empty, null or absent port takes the default",
        arguments: [JSONValue?.none, .null, .string(""), .string("   ")])
    func portDefault(_ value: JSONValue?) throws {
        #expect(try port(value, default: 5439) == 5439)
    }

    @Test("no default and no port", arguments: [JSONValue?.none, .null, .string("")])
    func portRequired(_ value: JSONValue?) {
        #expect(portFailure(value, default: nil) == "sharedConfig.port is required for postgresql")
    }

    @Test(
        "out of range ports",
        arguments: [
            (JSONValue.number(70000), 70000), (.number(-1), -1), (.string("65536"), 65536),
        ])
    func portOutOfRange(_ value: JSONValue, _ shown: Int) {
        #expect(portFailure(value) == "sharedConfig.port is \(shown), outside 1-65535")
    }

    /// Artie's Terraform provider sends `"port": 0` for a form without a port (Go's zero value).
    @Test("port 0 counts as absent", arguments: [JSONValue.number(0), .string("0")])
    func portZeroIsAbsent(_ value: JSONValue) throws {
        let config = SharedConfig(["port": value])
        #expect(try config.port("port", default: 27017, for: .mongodb) == 27017)
        #expect(portFailure(value, default: nil) == "sharedConfig.port is required for postgresql")
    }

    @Test(
        "ports that are not integers",
        arguments: [JSONValue.number(5432.5), .string("abc"), .string("5432.0"), .string("54 32"), .number(1e12)])
    func portNotInteger(_ value: JSONValue) {
        let message = portFailure(value)
        #expect(message.hasPrefix("sharedConfig.port must be an integer port from 1 to 65535"), "\(message)")
    }

    @Test(
        "ports of the wrong JSON type",
        arguments: [
            (JSONValue.bool(true), "a boolean"), (.array([.number(5432)]), "an array"), (.object([:]), "an object"),
        ])
    func portWrongKind(_ value: JSONValue, _ kind: String) {
        #expect(portFailure(value) == "sharedConfig.port must be an integer port from 1 to 65535, not \(kind)")
    }

    // MARK: host

    @Test func plainHosts() throws {
        #expect(try host("db.example.com") == "db.example.com")
        #expect(try host("  db.example.com\n") == "db.example.com")
        #expect(try host("10.0.0.5") == "10.0.0.5")
        #expect(try host("::1") == "::1")
        #expect(try host("fd00::2") == "fd00::2")
    }

    @Test func bracketedIPv6LosesItsBrackets() throws {
        #expect(try host("[::1]") == "::1")
        #expect(try host("[2001:db8::5]") == "2001:db8::5")
    }

    @Test(
        "hosts with a scheme",
        arguments: ["postgres://db.example.com", "postgresql://u:p@db:5432/app", "https://db.example.com"])
    func hostWithScheme(_ raw: String) {
        let message = hostFailure(raw)
        #expect(message.contains("must be a host name, not a URL"), "\(message)")
        // The URL may carry a password: never echo it.
        #expect(!message.contains(raw), "\(message)")
    }

    @Test func hostWithPort() {
        #expect(
            hostFailure("db.example.com:5432")
                == "sharedConfig.host includes a port (5432); give the bare host and put the port in sharedConfig.port")
        #expect(hostFailure("10.0.0.5:6432").contains("includes a port (6432)"))
    }

    /// `[::1]:5432` is an IPv6 address with a port; it must be refused like `db:5432`, not passed on as a host name.
    @Test func bracketedIPv6WithPortIsRefused() {
        let message = hostFailure("[::1]:5432")
        #expect(message.contains("port"), "\(message)")
    }

    @Test(
        "hosts with spaces, slashes or @",
        arguments: [
            "db example.com", "db.example.com/app", "user@db.example.com", "db\texample", "db\u{A0}example",
            "db\u{3000}example", "db\u{2028}example",
        ])
    func hostWithForbiddenCharacters(_ raw: String) {
        let message = hostFailure(raw)
        #expect(
            message == "sharedConfig.host must be a host name or IP address without spaces, '/' or '@'", "\(message)")
    }

    /// General category Cc (C0, DEL and C1), not other invisible characters.
    @Test("control characters in a host", arguments: ["db\u{01}x", "db\u{7F}x", "db\u{90}x", "db\u{9F}x"])
    func hostWithControlCharacter(_ raw: String) {
        #expect(hostFailure(raw) == "sharedConfig.host contains a control character", "\(hostFailure(raw))")
    }

    @Test func labelsOfUpTo63Characters() throws {
        let label = String(repeating: "a", count: 63)
        #expect(try host("\(label).example.com") == "\(label).example.com")
        #expect(hostFailure("\(label)a.example.com").contains("must be a host name"))
        // 63 characters of two bytes each: counted as characters, not bytes.
        let wide = String(repeating: "ü", count: 63)
        #expect(try host("\(wide).example") == "\(wide).example")
        #expect(hostFailure("\(wide)ü.example").contains("must be a host name"))
        #expect(try host("bücher.example") == "bücher.example")
        #expect(hostFailure("-db.example.com").contains("must be a host name"))
        #expect(hostFailure("db-.example.com").contains("must be a host name"))
        #expect(hostFailure("db..example.com").contains("must be a host name"))
    }

    @Test func hostTooLong() {
        let long = String(repeating: "a", count: 250) + ".com"
        #expect(hostFailure(long).contains("longer than 253 characters"))
    }

    @Test("missing host", arguments: [JSONValue?.none, .null, .string(""), .string("  ")])
    func hostMissing(_ value: JSONValue?) {
        var config = SharedConfig()
        config["host"] = value
        #expect(throws: InvalidConfig("sharedConfig.host is required for postgresql")) {
            try config.host("host", for: .postgresql)
        }
    }

    // MARK: strings, secrets, booleans

    @Test func stringAccessor() throws {
        let config = SharedConfig([
            "s": .string("value"), "n": .number(42), "f": .number(4.5), "b": .bool(true), "e": .string(" "),
            "a": .array([]), "o": .object([:]), "z": .null,
        ])
        #expect(try config.string("s") == "value")
        #expect(try config.string("n") == "42")
        #expect(try config.string("b") == "true")
        #expect(try config.string("e") == nil)
        #expect(try config.string("z") == nil)
        #expect(try config.string("missing") == nil)
        #expect(throws: InvalidConfig("sharedConfig.a must be a string, not an array")) { try config.string("a") }
        #expect(throws: InvalidConfig("sharedConfig.o must be a string, not an object")) { try config.string("o") }
        #expect(throws: InvalidConfig("sharedConfig.f must be a string, not a number")) { try config.string("f") }
    }

    @Test func secretsAreKeptExactly() throws {
        let config = SharedConfig([
            "password": .string("  spaced secret  "), "empty": .string(""), "number": .number(123456),
        ])
        #expect(try config.secret("password") == "  spaced secret  ")
        #expect(try config.secret("empty") == nil)
        #expect(try config.secret("missing") == nil)
        #expect(throws: InvalidConfig("sharedConfig.number must be a string, not a number")) {
            try config.secret("number")
        }
    }

    @Test func booleans() throws {
        let config = SharedConfig([
            "t1": .bool(true), "t2": .string("TRUE"), "t3": .string("1"), "t4": .string("yes"), "t5": .string("on"),
            "t6": .number(1),
            "f1": .bool(false), "f2": .string("false"), "f3": .string("0"), "f4": .string("no"), "f5": .string(" off "),
            "f6": .number(0),
            "e": .string(""), "bad": .string("maybe"), "arr": .array([]),
        ])
        for key in ["t1", "t2", "t3", "t4", "t5", "t6"] { #expect(try config.bool(key) == true, "\(key)") }
        for key in ["f1", "f2", "f3", "f4", "f5", "f6"] { #expect(try config.bool(key) == false, "\(key)") }
        #expect(try config.bool("e") == nil)
        #expect(try config.bool("missing") == nil)
        #expect(throws: InvalidConfig("sharedConfig.bad must be true or false")) { try config.bool("bad") }
        #expect(throws: InvalidConfig("sharedConfig.arr must be a boolean, not an array")) { try config.bool("arr") }
    }

    @Test func requiredString() throws {
        let config = SharedConfig(strings: ["user": "artie", "empty": ""])
        #expect(try config.requiredString("user", for: .postgresql) == "artie")
        #expect(throws: InvalidConfig("sharedConfig.empty is required for cockroach")) {
            try config.requiredString("empty", for: .cockroach)
        }
    }
}
