import Foundation
import PreflightCore
import PreflightEngine
import PreflightTestSupport
import Testing

/// The local MariaDB 10.11 servers of `scripts/servers/mariadb.sh` (read from `PREFLIGHT_TEST_MYSQL_*`).
struct MariaDBTestServer: Sendable {
    struct Account: Sendable {
        var user: String
        var password: String
    }

    var host: String
    var port: Int
    var statementPort: Int
    var caFile: String
    var database: String
    var otherDatabase: String
    var native: Account
    var ed25519: Account
    var tls: Account
    var norepl: Account
    var repl: Account
    var hostOnly: Account
    var ipv6: Bool

    static let variables = [
        "PREFLIGHT_TEST_MYSQL_HOST", "PREFLIGHT_TEST_MYSQL_PORT", "PREFLIGHT_TEST_MYSQL_STATEMENT_PORT",
        "PREFLIGHT_TEST_MYSQL_CA_FILE",
        "PREFLIGHT_TEST_MYSQL_DATABASE",
        "PREFLIGHT_TEST_MYSQL_NATIVE_USER", "PREFLIGHT_TEST_MYSQL_NATIVE_PASSWORD",
        "PREFLIGHT_TEST_MYSQL_ED25519_USER", "PREFLIGHT_TEST_MYSQL_ED25519_PASSWORD",
        "PREFLIGHT_TEST_MYSQL_TLS_USER", "PREFLIGHT_TEST_MYSQL_TLS_PASSWORD",
        "PREFLIGHT_TEST_MYSQL_NOREPL_USER", "PREFLIGHT_TEST_MYSQL_NOREPL_PASSWORD",
        "PREFLIGHT_TEST_MYSQL_REPL_USER", "PREFLIGHT_TEST_MYSQL_REPL_PASSWORD",
    ]

    static var missingVariables: [String] { variables.filter { TestEnvironment.value($0) == nil } }

    static func fromEnvironment() -> MariaDBTestServer? {
        guard missingVariables.isEmpty else { return nil }
        func value(_ name: String) -> String { TestEnvironment.value("PREFLIGHT_TEST_MYSQL_\(name)") ?? "" }
        func account(_ role: String) -> Account {
            Account(user: value("\(role)_USER"), password: value("\(role)_PASSWORD"))
        }
        guard let port = Int(value("PORT")), let statementPort = Int(value("STATEMENT_PORT")) else { return nil }
        return MariaDBTestServer(
            host: value("HOST"), port: port, statementPort: statementPort, caFile: value("CA_FILE"),
            database: value("DATABASE"),
            otherDatabase: TestEnvironment.value("PREFLIGHT_TEST_MYSQL_OTHER_DATABASE") ?? "otherdb",
            native: account("NATIVE"), ed25519: account("ED25519"), tls: account("TLS"), norepl: account("NOREPL"),
            repl: account("REPL"),
            hostOnly: Account(
                user: TestEnvironment.value("PREFLIGHT_TEST_MYSQL_HOSTONLY_USER") ?? "host_user",
                password: TestEnvironment.value("PREFLIGHT_TEST_MYSQL_HOSTONLY_PASSWORD") ?? "x"),
            ipv6: value("IPV6") == "1")
    }
}

/// Pings against the real MariaDB 10.11 servers of scripts/servers/mariadb.sh: a "main" one (ROW binlogs,
/// TLS, ed25519) and a second instance with binlog_format STATEMENT.
@Suite(
    .enabled(
        if: MariaDBTestServer.fromEnvironment() != nil || TestEnvironment.requireIntegration,
        "needs scripts/servers/mariadb.sh"))
struct MySQLIntegrationTests {
    let server: MariaDBTestServer
    let engine = MySQLTesting.engine(timeout: .seconds(10))

    init() throws {
        server = try #require(
            MariaDBTestServer.fromEnvironment(),
            "missing \(MariaDBTestServer.missingVariables): run scripts/servers/mariadb.sh start DIR and source DIR/mariadb/env"
        )
    }

    func payload(
        _ account: MariaDBTestServer.Account, password: String? = nil, database: String?? = .none, port: Int? = nil,
        host: String? = nil, extra: [String: String] = [:], role: String? = nil
    ) -> ConnectorPayload {
        MySQLTesting.payload(
            host: host ?? server.host, port: port ?? server.port, user: account.user,
            password: password ?? account.password,
            database: database ?? server.database, extra: extra, role: role)
    }

    func ping(_ payload: ConnectorPayload) async throws -> PingReport { try await MySQLTesting.ping(engine, payload) }

    @Test func nativePasswordUserSucceeds() async throws {
        let report = try await ping(payload(server.native))
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("greeting")?.detail?.contains("MariaDB 10.11") == true, "\(report.summary)")
        #expect(report.step("auth")?.detail?.contains("mysql_native_password") == true)
        #expect(report.step("tls")?.status == .skipped)
        #expect(report.step("database")?.status == .passed)
        #expect(report.check("flavor")?.observed.hasPrefix("MariaDB 10.11") == true)
        #expect(report.target?.connectedAddress == "\(server.host):\(server.port)")
    }

    @Test func withoutDefaultDatabaseConnectsWithoutASchema() async throws {
        let report = try await ping(payload(server.native, database: .some(nil)))
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("database")?.status == .skipped)
    }

    @Test func ed25519UserSucceedsAfterAuthSwitch() async throws {
        let report = try await ping(payload(server.ed25519))
        #expect(report.ok, "\(report.summary)")
        #expect(
            report.step("auth")?.detail?.contains("mysql_native_password then client_ed25519") == true,
            "\(report.summary)")
    }

    @Test func ed25519WrongPasswordIsAuth() async throws {
        let report = try await ping(payload(server.ed25519, password: "Wrong-Ed25519-Password"))
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.message?.contains("'\(server.ed25519.user)'@'127.0.0.1'") == true)
    }

    @Test func wrongPasswordSaysUserAtHostAsTheServerSawIt() async throws {
        let report = try await ping(payload(server.native, password: "Planted-Wrong-Password-4711"))
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.transient == false)
        #expect(report.message?.contains("'\(server.native.user)'@'127.0.0.1'") == true, "\(report.summary)")
        #expect(report.step("auth")?.status == .failed)
    }

    @Test func missingDatabaseIsDatabaseNotFound() async throws {
        // repl_user has global SELECT, so the server says the database does not exist (1049).
        let report = try await ping(payload(server.repl, database: "no_such_db_here"))
        #expect(report.category == .databaseNotFound, "\(report.summary)")
        #expect(report.message?.contains("no_such_db_here") == true)
        #expect(report.step("auth")?.status == .passed)
        #expect(report.step("database")?.status == .failed)
    }

    @Test func databaseWithoutPrivilegeIsPermission() async throws {
        let report = try await ping(payload(server.norepl, database: server.otherDatabase))
        #expect(report.category == .permission, "\(report.summary)")
        #expect(report.step("auth")?.status == .passed)
        // Without privileges on it, a missing database is also 1044: the message says it may not exist.
        let missing = try await ping(payload(server.native, database: "no_such_db_here"))
        #expect(missing.category == .permission)
        #expect(missing.message?.contains("or it does not exist") == true, "\(missing.summary)")
        #expect(report.hint?.contains("GRANT SELECT ON `\(server.otherDatabase)`.*") == true, "\(report.hint ?? "")")
    }

    @Test func requireSSLUserWithoutTLSIsToldTheAccountRequiresTLS() async throws {
        let report = try await ping(payload(server.tls))
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.message?.contains("this account requires TLS") == true, "\(report.summary)")
        #expect(report.hint?.contains("tlsMode") == true)
        // A wrong password for the same account stays a plain auth error.
        let wrong = try await ping(payload(server.tls, password: "Not-The-TLS-Password"))
        #expect(wrong.category == .auth)
        #expect(wrong.message?.contains("requires TLS") == false, "\(wrong.summary)")
    }

    @Test func requireSSLUserWithPreferredTLSSucceeds() async throws {
        let report = try await ping(payload(server.tls, extra: ["tlsMode": "preferred"]))
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("tls")?.status == .passed)
        #expect(report.step("tls")?.detail?.contains("TLS 1.") == true)
        #expect(report.step("auth")?.detail?.contains("over TLS") == true)
    }

    @Test func verifyFullWithTheRightCASucceeds() async throws {
        let ca = try String(contentsOfFile: server.caFile, encoding: .utf8)
        let report = try await ping(payload(server.tls, extra: ["sslMode": "verify-full", "sslRootCert": ca]))
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("tls")?.detail?.contains("verified") == true)
    }

    @Test func verifyFullWithoutTheCAFailsAsTLS() async throws {
        let report = try await ping(payload(server.native, extra: ["sslMode": "verify-full"]))
        #expect(report.category == .tls, "\(report.summary)")
        #expect(report.hint?.contains("sslRootCert") == true)
    }

    @Test func replicationUserIsReadyAsSource() async throws {
        let report = try await ping(payload(server.repl, role: "source"))
        #expect(report.ok, "\(report.summary)")
        #expect(report.checks.map(\.name).prefix(2) == ["replication_privileges", "select_privilege"])
        #expect(report.check("replication_privileges")?.status == .passed)
        #expect(report.check("replication_privileges")?.observed.contains("BINLOG MONITOR") == true)
        #expect(report.check("select_privilege")?.status == .passed)
        #expect(report.check("log_bin")?.status == .passed)
        #expect(report.check("binlog_format")?.observed == "ROW")
        #expect(report.check("binlog_row_image")?.observed == "FULL")
        #expect(
            report.check("binlog_retention")?.status == .passed, "\(report.check("binlog_retention")?.observed ?? "")")
        #expect(report.check("gtid_mode")?.observed.contains("MariaDB GTIDs") == true)
        #expect(report.check("server_version")?.observed.hasPrefix("10.11") == true)
        #expect(report.step("readiness")?.status == .passed)
    }

    @Test func userWithoutReplicationGrantsFailsOnlyAsSource() async throws {
        let asSource = try await ping(payload(server.norepl, role: "source"))
        #expect(asSource.category == .cdcNotReady, "\(asSource.summary)")
        let check = try #require(asSource.check("replication_privileges"))
        #expect(check.status == .failed)
        #expect(
            check.fix == "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO '\(server.norepl.user)'@'127.0.0.1';",
            "\(check.fix ?? "")")
        #expect(asSource.hint?.contains("GRANT REPLICATION SLAVE") == true)
        #expect(asSource.check("select_privilege")?.status == .passed)

        let asDestination = try await ping(payload(server.norepl))
        #expect(asDestination.ok, "\(asDestination.summary)")
        #expect(asDestination.step("readiness")?.status == .warning)
    }

    @Test func statementBinlogServerIsNotReady() async throws {
        let report = try await ping(payload(server.repl, port: server.statementPort, role: "source"))
        #expect(report.category == .cdcNotReady, "\(report.summary)")
        #expect(report.check("binlog_format")?.status == .failed)
        #expect(report.check("binlog_format")?.observed == "STATEMENT")
        #expect(report.check("binlog_format")?.fix?.contains("binlog_format = 'ROW'") == true)
        #expect(report.check("binlog_row_image")?.observed == "MINIMAL")
        #expect(report.check("binlog_retention")?.status == .failed)
        #expect(
            report.check("binlog_retention")?.observed.hasPrefix("1 day") == true,
            "\(report.check("binlog_retention")?.observed ?? "")")
        #expect(report.check("replication_privileges")?.status == .passed)
        #expect(report.message?.contains("binlog_format is STATEMENT") == true)
    }

    @Test func accountOnlyForAnotherHostIsRefusedNamingTheAddress() async throws {
        let report = try await ping(payload(server.hostOnly, database: .some(nil)))
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.message?.contains("'\(server.hostOnly.user)'@'127.0.0.1'") == true, "\(report.summary)")
    }

    @Test(.enabled(if: TestEnvironment.value("PREFLIGHT_TEST_MYSQL_IPV6") == "1", "needs ::1"))
    func hostNotAllowedSaysWhichAddressTheServerSaw() async throws {
        let report = try await ping(payload(server.hostOnly, database: .some(nil), host: "::1"))
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.message?.contains("does not allow connections from ::1") == true, "\(report.summary)")
        #expect(report.step("greeting")?.status == .failed)
    }
}
