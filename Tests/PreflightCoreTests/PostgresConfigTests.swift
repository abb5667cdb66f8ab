import PreflightCore
import Testing

@Suite("PostgresConfig")
struct PostgresConfigTests {
    static let pem = TestPEM.certificate

    private func config(_ type: ConnectorType, _ values: [String: String], defaultDatabase: String? = nil)
        throws(InvalidConfig) -> PostgresConfig
    {
        try PostgresConfig(
            payload: ConnectorPayload(
                type: type, sharedConfig: SharedConfig(strings: values), defaultDatabase: defaultDatabase))
    }

    private func failure(
        _ type: ConnectorType, _ values: [String: String], sourceLocation: SourceLocation = #_sourceLocation
    ) -> String {
        do {
            let config = try config(type, values)
            Issue.record("expected InvalidConfig, got \(config)", sourceLocation: sourceLocation)
            return ""
        } catch {
            return error.message
        }
    }

    // MARK: postgresql

    @Test func postgresqlDefaults() throws {
        let config = try config(.postgresql, ["host": "db.example.com", "user": "artie", "password": "pw"])
        #expect(config.type == .postgresql)
        #expect(config.host == "db.example.com")
        #expect(config.port == 5432)
        #expect(config.user == "artie")
        #expect(config.password == "pw")
        #expect(config.database == "postgres")
        #expect(config.tls == TLSSettings(mode: .prefer, serverName: "db.example.com"))
    }

    @Test func postgresqlExplicitValues() throws {
        let config = try config(
            .postgresql, ["host": "[::1]", "port": "6432", "user": "artie", "sslMode": "verify-full"],
            defaultDatabase: "app")
        #expect(config.host == "::1")
        #expect(config.port == 6432)
        #expect(config.database == "app")
        #expect(config.password == nil)
        #expect(config.tls.mode == .verifyFull)
        #expect(config.tls.serverName == "::1")
    }

    @Test func postgresqlRequiresHostAndUser() {
        #expect(failure(.postgresql, ["user": "artie"]) == "sharedConfig.host is required for postgresql")
        #expect(failure(.postgresql, ["host": "db"]) == "sharedConfig.user is required for postgresql")
        #expect(
            failure(.postgresql, ["host": "db", "user": "u", "port": "99999"])
                == "sharedConfig.port is 99999, outside 1-65535")
    }

    // MARK: cockroach

    @Test func cockroachDefaults() throws {
        let config = try config(.cockroach, ["host": "crdb.example.com", "user": "root"])
        #expect(config.port == 26257)
        #expect(config.database == "defaultdb")
        #expect(config.tls.mode == .prefer)
        #expect(failure(.cockroach, ["host": "crdb"]) == "sharedConfig.user is required for cockroach")
    }

    // MARK: redshift

    @Test func redshiftEndpointWithPort() throws {
        let config = try config(
            .redshift, ["endpoint": "cluster.abc123.us-east-1.redshift.amazonaws.com:5440", "username": "admin"])
        #expect(config.host == "cluster.abc123.us-east-1.redshift.amazonaws.com")
        #expect(config.port == 5440)
        #expect(config.user == "admin")
        #expect(config.database == "dev")
        #expect(config.tls.mode == .require)
        #expect(config.tls.serverName == "cluster.abc123.us-east-1.redshift.amazonaws.com")
    }

    @Test func redshiftEndpointDefaultsAndSuffixes() throws {
        #expect(try config(.redshift, ["endpoint": "cluster.example.com", "username": "a"]).port == 5439)
        let withDatabase = try config(.redshift, ["endpoint": "cluster.example.com:5439/dev", "username": "a"])
        #expect(withDatabase.host == "cluster.example.com")
        #expect(withDatabase.port == 5439)
        let bracketed = try config(.redshift, ["endpoint": "[::1]:5439", "username": "a"])
        #expect(bracketed.host == "::1")
        #expect(bracketed.port == 5439)
    }

    /// A bare IPv6 endpoint must not be split at its last colon into a mangled host and a port.
    @Test func redshiftBareIPv6EndpointIsNotMangled() {
        do {
            let config = try config(.redshift, ["endpoint": "2001:db8::1", "username": "a"])
            #expect(config.host == "2001:db8::1", "endpoint 2001:db8::1 became host \(config.host) port \(config.port)")
            #expect(config.port == 5439)
        } catch {
            // Refusing it (asking for brackets) is fine too.
        }
    }

    @Test func redshiftHostAndPortInsteadOfEndpoint() throws {
        let config = try config(.redshift, ["host": "cluster.example.com", "username": "a"])
        #expect(config.host == "cluster.example.com")
        #expect(config.port == 5439)
        #expect(
            try self.config(.redshift, ["host": "cluster.example.com", "port": "5440", "username": "a"]).port == 5440)
    }

    @Test func redshiftBadEndpoints() {
        #expect(
            failure(.redshift, ["endpoint": "cluster.example.com:abc", "username": "a"])
                == "sharedConfig.endpoint must be \"host:port\" with a port from 1 to 65535")
        #expect(
            failure(.redshift, ["endpoint": "cluster.example.com:70000", "username": "a"])
                == "sharedConfig.endpoint must be \"host:port\" with a port from 1 to 65535")
        let url = failure(.redshift, ["endpoint": "https://admin:pw-in-url@cluster.example.com:5439", "username": "a"])
        #expect(url.hasPrefix("sharedConfig.endpoint"), "\(url)")
        #expect(!url.contains("pw-in-url"), "\(url)")
        #expect(failure(.redshift, ["username": "a"]).hasPrefix("sharedConfig.endpoint is required for redshift"))
        #expect(
            failure(.redshift, ["endpoint": "cluster.example.com"]) == "sharedConfig.username is required for redshift")
    }

    @Test("redshift refuses plaintext modes", arguments: ["disable", "prefer"])
    func redshiftRefusesPlaintext(_ mode: String) {
        let message = failure(.redshift, ["endpoint": "cluster.example.com", "username": "a", "sslMode": mode])
        #expect(message == "redshift requires TLS: sharedConfig.sslMode must be require, verify-ca or verify-full")
    }

    @Test("redshift accepts TLS modes", arguments: [SSLMode.require, .verifyCA, .verifyFull])
    func redshiftAcceptsTLSModes(_ mode: SSLMode) throws {
        #expect(
            try config(.redshift, ["endpoint": "c.example.com", "username": "a", "sslMode": mode.rawValue]).tls.mode
                == mode)
    }

    // MARK: TLS keys

    @Test func sslRootCertMustBePEM() {
        let message = failure(.postgresql, ["host": "db", "user": "u", "sslRootCert": "/etc/ssl/certs/rds-ca.pem"])
        #expect(message == "sharedConfig.sslRootCert must be PEM text containing -----BEGIN CERTIFICATE-----")
    }

    @Test func requireWithCABecomesVerifyCA() throws {
        let config = try config(
            .postgresql, ["host": "db", "user": "u", "sslMode": "require", "sslRootCert": Self.pem])
        #expect(config.tls.mode == .verifyCA)
        #expect(config.tls.rootCertificatesPEM == Self.pem)
        let full = try self.config(
            .postgresql, ["host": "db", "user": "u", "sslMode": "verify-full", "sslRootCert": Self.pem])
        #expect(full.tls.mode == .verifyFull)
        let redshift = try self.config(
            .redshift, ["endpoint": "c.example.com", "username": "a", "sslRootCert": Self.pem])
        #expect(redshift.tls.mode == .verifyCA)
    }

    @Test func unknownSSLMode() {
        let message = failure(.postgresql, ["host": "db", "user": "u", "sslMode": "allow-ish"])
        #expect(message == "sharedConfig.sslMode must be one of disable, prefer, require, verify-ca, verify-full")
    }

    @Test func passwordOfTheWrongTypeIsNotEchoed() {
        let payload = ConnectorPayload(
            type: .postgresql,
            sharedConfig: SharedConfig([
                "host": .string("db"), "user": .string("u"), "password": .number(987_654_321),
            ]))
        #expect(throws: InvalidConfig("sharedConfig.password must be a string, not a number")) {
            try PostgresConfig(payload: payload)
        }
    }
}

/// A syntactically valid PEM certificate block for config tests (its content is never parsed there).
enum TestPEM {
    static let certificate = """
        -----BEGIN CERTIFICATE-----
        MIIBtTCCAVugAwIBAgIBATAKBggqhkjOPQQDAjAzMRgwFgYDVQQDDA9kYi5leGFt
        -----END CERTIFICATE-----
        """
}
