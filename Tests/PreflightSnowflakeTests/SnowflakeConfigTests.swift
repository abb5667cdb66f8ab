import PreflightCore
import PreflightSnowflake
import PreflightTestSupport
import Testing

@Suite("Snowflake config validation (400s)")
struct SnowflakeConfigTests {
    static let factory = SnowflakeProbeFactory()

    func refusal(_ payload: ConnectorPayload) -> String? {
        do {
            _ = try Self.factory.makeProbe(for: payload)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("a key-pair config is accepted; the endpoint is the account's host")
    func keyPair() throws {
        let config = try SnowflakeConfig(
            payload: SnowflakeTesting.payload(privateKey: SnowflakeTestKeys.userPEM, caPEM: nil))
        #expect(config.endpoint.description == "https://myorg-myaccount.snowflakecomputing.com")
        #expect(config.privateKey != nil)
        #expect(config.warehouse == "loading_wh")
    }

    @Test("accountURL overrides the host; the account still comes from accountIdentifier")
    func override() throws {
        let config = try SnowflakeConfig(
            payload: SnowflakeTesting.payload(
                accountURL: "https://127.0.0.1:8443", privateKey: SnowflakeTestKeys.userPEM))
        #expect(config.endpoint.description == "https://127.0.0.1:8443")
        #expect(config.account.jwtAccount == "MYORG-MYACCOUNT")
    }

    @Test("a legacy accountURL alone names the account")
    func legacyURL() throws {
        let config = try SnowflakeConfig(
            payload: SnowflakeTesting.payload(
                accountIdentifier: nil, accountURL: "https://xy12345.us-east-2.aws.snowflakecomputing.com",
                password: "pw-123456"))
        #expect(config.account.jwtAccount == "XY12345")
        #expect(config.endpoint.host == "xy12345.us-east-2.aws.snowflakecomputing.com")
    }

    @Test("both ways to sign in: 400 naming both keys, echoing neither")
    func both() throws {
        let message = try #require(
            refusal(
                SnowflakeTesting.payload(privateKey: SnowflakeTestKeys.userPEM, password: SnowflakeTesting.password)))
        #expect(message.contains("privateKey") && message.contains("password"))
        #expect(!message.contains(SnowflakeTesting.password) && !message.contains("MII"))
    }

    @Test("no way to sign in: 400")
    func neither() throws {
        let message = try #require(refusal(SnowflakeTesting.payload()))
        #expect(message.contains("sharedConfig.privateKey") && message.contains("sharedConfig.password"))
    }

    @Test(
        "missing keys are named",
        arguments: [
            (SnowflakeTesting.payload(warehouse: nil, password: "x-123456"), "sharedConfig.virtualDWH"),
            (SnowflakeTesting.payload(username: nil, password: "x-123456"), "sharedConfig.username"),
            (SnowflakeTesting.payload(accountIdentifier: nil, password: "x-123456"), "sharedConfig.accountIdentifier"),
            (
                SnowflakeTesting.payload(
                    accountIdentifier: nil, accountURL: "https://127.0.0.1:8443", password: "x-123456"),
                "sharedConfig.accountIdentifier"
            ),
            (
                SnowflakeTesting.payload(accountURL: "ftp://x.example.com", password: "x-123456"),
                "sharedConfig.accountURL"
            ),
            (SnowflakeTesting.payload(password: "x-123456", caPEM: "not a pem"), "sharedConfig.sslRootCert"),
            (SnowflakeTesting.payload(warehouse: "wh\u{7}", password: "x-123456"), "sharedConfig.virtualDWH"),
        ])
    func missing(payload: ConnectorPayload, key: String) throws {
        let message = try #require(refusal(payload))
        #expect(message.contains(key), "\(message)")
    }

    @Test(
        "unusable private keys: 400 naming privateKey, never quoting it",
        arguments: [
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----",
            "-----BEGIN PRIVATE KEY-----\nplanted-not-base64-garbage\n-----END PRIVATE KEY-----",
            "planted-just-some-text",
            "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----",
        ])
    func badKeys(pem: String) throws {
        let message = try #require(refusal(SnowflakeTesting.payload(privateKey: pem)))
        #expect(message.contains("sharedConfig.privateKey"), "\(message)")
        #expect(!message.contains("planted") && !message.contains("MII"))
    }

    @Test("empty strings count as absent (clients send every key)")
    func emptyStrings() throws {
        var payload = SnowflakeTesting.payload(privateKey: SnowflakeTestKeys.userPEM)
        payload.sharedConfig["password"] = .string("")
        payload.sharedConfig["role"] = .string("")
        payload.sharedConfig["accountURL"] = .string(" ")
        let config = try SnowflakeConfig(payload: payload)
        #expect(config.role == nil)
        #expect(config.endpoint.host == "myorg-myaccount.snowflakecomputing.com")
    }
}
