import PreflightCore
import PreflightOracle
import Testing

struct OracleConfigTests {
    func config(_ values: [String: String], database: String? = "FREEPDB1") throws(InvalidConfig) -> OracleConfig {
        try OracleConfig(
            payload: ConnectorPayload(
                type: .oracle, sharedConfig: SharedConfig(strings: values), defaultDatabase: database))
    }

    @Test func artiesKeysWithTheServiceFromDefaultDatabase() throws {
        let config = try config(["host": "db.example.com", "user": "artie", "password": "pw"])
        #expect(config.port == 1521)
        #expect(config.user == "artie")
        #expect(config.target == .serviceName("FREEPDB1"))
        #expect(config.tls == nil)
        #expect(!config.preferredTLS)
    }

    @Test func sidInsteadOfAService() throws {
        let config = try config(["host": "db", "user": "u", "sid": "ORCL"], database: nil)
        #expect(config.target == .sid("ORCL"))
    }

    @Test func tlsModesMapToTCPS() throws {
        #expect(try config(["host": "db", "user": "u", "sslMode": "verify-full"]).tls?.mode == .verifyFull)
        #expect(try config(["host": "db", "user": "u", "sslMode": "require"]).tls?.mode == .require)
        let prefer = try config(["host": "db", "user": "u", "sslMode": "prefer"])
        #expect(prefer.tls == nil)
        #expect(prefer.preferredTLS)
    }

    @Test func refusals() {
        func message(_ values: [String: String], database: String? = "FREEPDB1") -> String? {
            do {
                _ = try config(values, database: database)
                return nil
            } catch { return error.message }
        }
        #expect(message(["host": "db"])?.contains("user is required") == true)
        #expect(message(["host": "db", "user": "u"], database: nil)?.contains("defaultDatabase") == true)
        #expect(message(["host": "db", "user": "u", "sid": "X"])?.contains("not both") == true)
        #expect(message(["host": "db", "user": "u"], database: "svc)(HOST=evil")?.contains("service name") == true)
        #expect(message(["host": "db", "user": "u", "sslMode": "sometimes"])?.contains("sslMode") == true)
    }
}
