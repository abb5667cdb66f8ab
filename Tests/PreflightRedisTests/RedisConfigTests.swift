import PreflightCore
import PreflightRedis
import Testing

/// Validation of `sharedConfig` for redis (every error is a 400 that names the key and never the secret).
struct RedisConfigTests {
    func config(_ values: [String: JSONValue]) throws(InvalidConfig) -> RedisConfig {
        try RedisConfig(payload: ConnectorPayload(type: .redis, sharedConfig: SharedConfig(values)))
    }

    @Test func defaults() throws {
        let parsed = try config(["host": .string("cache.internal")])
        #expect(parsed.port == 6379)
        #expect(parsed.username == nil && parsed.password == nil && parsed.database == nil)
        #expect(parsed.tls == nil)
    }

    @Test func databaseMustBeANonNegativeInteger() throws {
        #expect(try config(["host": .string("h"), "database": .number(3)]).database == 3)
        #expect(try config(["host": .string("h"), "database": .string("0")]).database == 0)
        #expect(try config(["host": .string("h"), "database": .string("")]).database == nil)
        for bad: JSONValue in [.number(-1), .number(1.5), .string("one"), .string("-2"), .bool(true)] {
            #expect(throws: InvalidConfig.self) { try config(["host": .string("h"), "database": bad]) }
        }
    }

    @Test func tlsTrueMeansVerifyFull() throws {
        let parsed = try config(["host": .string("cache.example.com"), "tls": .bool(true)])
        #expect(parsed.tls?.mode == .verifyFull)
        #expect(parsed.tls?.serverName == "cache.example.com")
        #expect(
            try config(["host": .string("h"), "tls": .string("true"), "sslMode": .string("require")]).tls?.mode
                == .require)
        #expect(try config(["host": .string("h"), "sslMode": .string("verify-ca")]).tls?.mode == .verifyCA)
        #expect(try config(["host": .string("h"), "tls": .bool(false)]).tls == nil)
        #expect(try config(["host": .string("h"), "sslMode": .string("disable")]).tls == nil)
    }

    @Test func contradictoryTLSIsRefused() {
        #expect(throws: InvalidConfig.self) {
            try config(["host": .string("h"), "tls": .bool(true), "sslMode": .string("disable")])
        }
        #expect(throws: InvalidConfig.self) {
            try config(["host": .string("h"), "tls": .bool(false), "sslMode": .string("verify-full")])
        }
        #expect(throws: InvalidConfig.self) { try config(["host": .string("h"), "sslMode": .string("prefer")]) }
        #expect(throws: InvalidConfig.self) { try config(["host": .string("h"), "tls": .string("maybe")]) }
    }

    @Test func usernameNeedsAPasswordAndSecretsAreNotEchoed() {
        do {
            _ = try config(["host": .string("h"), "username": .string("cdc")])
            Issue.record("expected InvalidConfig")
        } catch {
            #expect(error.message.contains("sharedConfig.password"))
        }
        do {
            _ = try config(["host": .string("h"), "password": .number(12345678)])
            Issue.record("expected InvalidConfig")
        } catch {
            #expect(!error.message.contains("12345678"))
        }
    }

    @Test func hostMustBeBare() {
        #expect(throws: InvalidConfig.self) { try config([:]) }
        #expect(throws: InvalidConfig.self) { try config(["host": .string("redis://h:6379")]) }
        #expect(throws: InvalidConfig.self) { try config(["host": .string("h:6380")]) }
        #expect(throws: InvalidConfig.self) { try config(["host": .string("h"), "port": .number(70000)]) }
    }

    @Test func factoryServesRedis() throws {
        #expect(RedisProbeFactory().types == [.redis])
        _ = try RedisProbeFactory().makeProbe(
            for: ConnectorPayload(type: .redis, sharedConfig: SharedConfig(["host": .string("h")])))
    }
}
