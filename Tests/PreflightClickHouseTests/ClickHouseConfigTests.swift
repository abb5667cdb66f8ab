import PreflightClickHouse
import PreflightCore
import Testing

/// Validation of `sharedConfig` for clickhouse, and the native-to-HTTP port mapping.
struct ClickHouseConfigTests {
    func config(_ values: [String: JSONValue]) throws(InvalidConfig) -> ClickHouseConfig {
        try ClickHouseConfig(payload: ConnectorPayload(type: .clickhouse, sharedConfig: SharedConfig(values)))
    }

    @Test func nativePortsMapToTheHTTPInterface() throws {
        let secure = try config(["addresses": .array([.string("abc.eu-west-1.aws.clickhouse.cloud:9440")])])
        #expect(secure.addresses[0].endpoint.description == "https://abc.eu-west-1.aws.clickhouse.cloud:8443")
        #expect(
            secure.addresses[0].portNote?.contains("9440 in addresses is ClickHouse's native TCP protocol port") == true
        )
        #expect(secure.username == "default")
        #expect(!secure.isInsecure)

        let plain = try config(["addresses": .string("10.0.0.5:9000"), "isInsecure": .bool(true)])
        #expect(plain.addresses[0].endpoint.description == "http://10.0.0.5:8123")
        #expect(plain.addresses[0].portNote?.contains("8123") == true)

        let other = try config(["addresses": .string("ch.internal:8443")])
        #expect(other.addresses[0].endpoint.port == 8443)
        #expect(other.addresses[0].portNote == nil)

        let bare = try config(["addresses": .string("ch.internal")])
        #expect(bare.addresses[0].endpoint.port == 8443)
    }

    @Test func listsAndCommaSeparatedStrings() throws {
        let list = try config(["addresses": .array([.string("a:9440"), .string(" b:9440 "), .null])])
        #expect(list.addresses.map(\.endpoint.host) == ["a", "b"])
        let joined = try config(["addresses": .string("a:9000, b:9000,"), "isInsecure": .string("true")])
        #expect(joined.addresses.map(\.endpoint.hostHeader) == ["a:8123", "b:8123"])
    }

    @Test func httpPortForcesOnePort() throws {
        let forced = try config(["addresses": .string("a:9440,b"), "httpPort": .number(18443)])
        #expect(forced.addresses.map(\.endpoint.port) == [18443, 18443])
        #expect(forced.addresses[0].portNote?.contains("httpPort 18443 replaces port 9440") == true)
        #expect(throws: InvalidConfig.self) { try config(["addresses": .string("a"), "httpPort": .number(0)]) }
    }

    @Test func extensionKeys() throws {
        let parsed = try config([
            "addresses": .string("a:9440"), "username": .string("cdc"), "password": .string("pw"),
            "database": .string("analytics"),
        ])
        #expect(parsed.username == "cdc")
        #expect(parsed.password == "pw")
        #expect(parsed.database == "analytics")
        #expect(throws: InvalidConfig.self) {
            try config(["addresses": .string("a"), "sslRootCert": .string("not pem")])
        }
    }

    @Test func badAddressesAreRefused() {
        #expect(throws: InvalidConfig.self) { try config([:]) }
        #expect(throws: InvalidConfig.self) { try config(["addresses": .array([])]) }
        #expect(throws: InvalidConfig.self) { try config(["addresses": .string(" , ")]) }
        #expect(throws: InvalidConfig.self) { try config(["addresses": .number(9440)]) }
        #expect(throws: InvalidConfig.self) { try config(["addresses": .array([.number(1)])]) }
        #expect(throws: InvalidConfig.self) { try config(["addresses": .string("a:99999")]) }
        #expect(throws: InvalidConfig.self) { try config(["addresses": .string("user:pw@a:9440")]) }
        #expect(throws: InvalidConfig.self) { try config(["addresses": .string("tcp://a:9000")]) }
        #expect(throws: InvalidConfig.self) { try config(["addresses": .string("http://a:8123")]) }
        #expect(throws: InvalidConfig.self) {
            try config(["addresses": .string("https://a:8443"), "isInsecure": .bool(true)])
        }
        #expect(throws: InvalidConfig.self) { try config(["addresses": .string("a:8443/path")]) }
        #expect(throws: InvalidConfig.self) {
            try config(["addresses": .string("a"), "password": .string("line\nbreak")])
        }
    }

    @Test func secretsAreNotEchoed() {
        do {
            _ = try config(["addresses": .string("a"), "password": .number(987654321)])
            Issue.record("expected InvalidConfig")
        } catch {
            #expect(!error.message.contains("987654321"))
        }
    }

    @Test func factoryServesClickHouse() throws {
        #expect(ClickHouseProbeFactory().types == [.clickhouse])
        _ = try ClickHouseProbeFactory().makeProbe(
            for: ConnectorPayload(type: .clickhouse, sharedConfig: SharedConfig(["addresses": .string("a:9440")])))
    }
}
