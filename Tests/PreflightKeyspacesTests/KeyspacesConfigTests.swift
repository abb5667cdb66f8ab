import PreflightCore
import PreflightKeyspaces
import Testing

/// Validation of `sharedConfig` for keyspaces: every error is a 400 naming the key, never the secret.
struct KeyspacesConfigTests {
    let keys: [String: JSONValue] = [
        "awsAccessKeyID": .string("AKIAIOSFODNN7EXAMPLE"),
        "awsSecretAccessKey": .string("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ]

    func config(_ values: [String: JSONValue], keyspace: String? = nil) throws(InvalidConfig) -> KeyspacesConfig {
        var payload = ConnectorPayload(type: .keyspaces, sharedConfig: SharedConfig(values))
        payload.defaultDatabase = keyspace
        return try KeyspacesConfig(payload: payload)
    }

    @Test func hostDefaultsFromTheRegion() throws {
        let parsed = try config(keys.merging(["awsRegion": .string("eu-west-1")]) { $1 }, keyspace: "app")
        #expect(parsed.host == "cassandra.eu-west-1.amazonaws.com" && parsed.port == 9142)
        #expect(parsed.tls.mode == .verifyFull && parsed.tls.serverName == parsed.host)
        #expect(parsed.keyspace == "app")
        #expect(
            try config(keys.merging(["awsRegion": .string("cn-north-1")]) { $1 }).host
                == "cassandra.cn-north-1.amazonaws.com.cn")
    }

    @Test func regionIsRequiredAndAgreesWithAnAmazonHost() throws {
        let host: JSONValue = .string("cassandra.ap-south-1.amazonaws.com")
        let parsed = try config(keys.merging(["host": host, "awsRegion": .string("ap-south-1")]) { $1 })
        #expect(parsed.region == "ap-south-1")
        #expect(throws: InvalidConfig.self) {
            try config(keys.merging(["host": host, "awsRegion": .string("us-east-1")]) { $1 })
        }
        #expect(throws: InvalidConfig.self) { try config(keys.merging(["host": .string("cql.internal")]) { $1 }) }
        #expect(throws: InvalidConfig.self) { try config(keys) }
    }

    @Test func serviceSpecificCredentialsWork() throws {
        let parsed = try config([
            "host": .string("cql.internal"), "awsRegion": .string("us-east-1"), "username": .string("u-at-1"),
            "password": .string("p"),
        ])
        #expect(parsed.login == .password(username: "u-at-1", password: "p"))
    }

    @Test func oneLoginOnly() {
        let both = keys.merging([
            "awsRegion": .string("us-east-1"), "username": .string("u"), "password": .string("Secret-1"),
        ]) { $1 }
        do {
            _ = try config(both)
            Issue.record("accepted both logins")
        } catch {
            #expect(error.message.contains("not both"))
            #expect(!error.message.contains("Secret-1"))
        }
        #expect(throws: InvalidConfig.self) {
            try config(["awsRegion": .string("us-east-1"), "username": .string("u")])
        }
        #expect(throws: InvalidConfig.self) { try config(["awsRegion": .string("us-east-1")]) }
    }

    @Test func tlsIsAlwaysOn() {
        for mode in ["disable", "prefer"] {
            #expect(throws: InvalidConfig.self) {
                try config(keys.merging(["awsRegion": .string("us-east-1"), "sslMode": .string(mode)]) { $1 })
            }
        }
    }

    @Test func keyspaceNamesAreChecked() {
        #expect(throws: InvalidConfig.self) {
            try config(keys.merging(["awsRegion": .string("us-east-1")]) { $1 }, keyspace: "app; DROP")
        }
    }
}
