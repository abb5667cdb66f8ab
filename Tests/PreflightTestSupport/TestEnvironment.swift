import Foundation

/// Reads the environment that integration tests need (written by `scripts/test-servers.sh start`).
///
/// Integration tests are enabled when their servers are configured, or when CI demands them:
///
/// ```swift
/// @Test(.enabled(if: TestEnvironment.postgres() != nil || TestEnvironment.requireIntegration))
/// func connects() async throws {
///     let pg = try #require(TestEnvironment.postgres(), "\(TestEnvironment.postgresMissingVariables())")
///     ...
/// }
/// ```
///
/// so a developer without servers skips them, and CI (`PREFLIGHT_REQUIRE_INTEGRATION=1`) fails loudly
/// when the servers are missing instead of passing vacuously.
public enum TestEnvironment {
    /// An environment variable, or nil when unset or empty.
    public static func value(_ name: String) -> String? {
        guard let text = ProcessInfo.processInfo.environment[name], !text.isEmpty else { return nil }
        return text
    }

    /// Whether integration tests must run (`PREFLIGHT_REQUIRE_INTEGRATION=1`), so that a missing server fails them.
    public static var requireIntegration: Bool { value("PREFLIGHT_REQUIRE_INTEGRATION") == "1" }

    /// The variables `postgres()` needs, in the order it reads them.
    public static let postgresVariables = [
        "PREFLIGHT_TEST_PG_HOST", "PREFLIGHT_TEST_PG_PORT", "PREFLIGHT_TEST_PG_DATABASE",
        "PREFLIGHT_TEST_PG_SCRAM_USER", "PREFLIGHT_TEST_PG_SCRAM_PASSWORD",
        "PREFLIGHT_TEST_PG_MD5_USER", "PREFLIGHT_TEST_PG_MD5_PASSWORD",
        "PREFLIGHT_TEST_PG_TLS_USER", "PREFLIGHT_TEST_PG_TLS_PASSWORD",
        "PREFLIGHT_TEST_PG_NOREPL_USER", "PREFLIGHT_TEST_PG_NOREPL_PASSWORD",
        "PREFLIGHT_TEST_PG_CA_FILE", "PREFLIGHT_TEST_PG_OTHER_CA_FILE",
        "PREFLIGHT_TEST_PG_REPLICA_PORT", "PREFLIGHT_TEST_PG_REPLICA_USER", "PREFLIGHT_TEST_PG_REPLICA_PASSWORD",
    ]

    /// The variables `postgres()` needs that are unset, empty or (for ports) not a number; empty when it can build a server.
    public static func postgresMissingVariables() -> [String] {
        postgresVariables.filter { name in
            guard let text = value(name) else { return true }
            return name.hasSuffix("_PORT") && Int(text) == nil
        }
    }

    /// The PostgreSQL test servers, or nil when any required variable is missing (see `postgresMissingVariables()`).
    public static func postgres() -> PostgresTestServer? {
        guard postgresMissingVariables().isEmpty,
            let host = value("PREFLIGHT_TEST_PG_HOST"),
            let port = value("PREFLIGHT_TEST_PG_PORT").flatMap({ Int($0) }),
            let database = value("PREFLIGHT_TEST_PG_DATABASE"),
            let scramUser = value("PREFLIGHT_TEST_PG_SCRAM_USER"),
            let scramPassword = value("PREFLIGHT_TEST_PG_SCRAM_PASSWORD"),
            let md5User = value("PREFLIGHT_TEST_PG_MD5_USER"),
            let md5Password = value("PREFLIGHT_TEST_PG_MD5_PASSWORD"),
            let tlsUser = value("PREFLIGHT_TEST_PG_TLS_USER"),
            let tlsPassword = value("PREFLIGHT_TEST_PG_TLS_PASSWORD"),
            let noreplUser = value("PREFLIGHT_TEST_PG_NOREPL_USER"),
            let noreplPassword = value("PREFLIGHT_TEST_PG_NOREPL_PASSWORD"),
            let caFile = value("PREFLIGHT_TEST_PG_CA_FILE"),
            let otherCAFile = value("PREFLIGHT_TEST_PG_OTHER_CA_FILE"),
            let replicaPort = value("PREFLIGHT_TEST_PG_REPLICA_PORT").flatMap({ Int($0) }),
            let replicaUser = value("PREFLIGHT_TEST_PG_REPLICA_USER"),
            let replicaPassword = value("PREFLIGHT_TEST_PG_REPLICA_PASSWORD")
        else { return nil }
        return PostgresTestServer(
            host: host, port: port, database: database,
            scramUser: scramUser, scramPassword: scramPassword,
            md5User: md5User, md5Password: md5Password,
            tlsUser: tlsUser, tlsPassword: tlsPassword,
            noreplUser: noreplUser, noreplPassword: noreplPassword,
            caFile: caFile, otherCAFile: otherCAFile,
            replicaPort: replicaPort, replicaUser: replicaUser, replicaPassword: replicaPassword,
            superuser: value("PREFLIGHT_TEST_PG_SUPERUSER"),
            publication: value("PREFLIGHT_TEST_PG_PUBLICATION"),
            slot: value("PREFLIGHT_TEST_PG_SLOT"),
            serverCertFile: value("PREFLIGHT_TEST_PG_SERVER_CERT_FILE"),
            ipv6: value("PREFLIGHT_TEST_PG_IPV6") == "1")
    }
}

/// The local PostgreSQL servers of `scripts/test-servers.sh`: a "main" PostgreSQL 15 with ssl=on and
/// wal_level=logical (users for SCRAM, MD5, TLS-only and no-REPLICATION), and a "replica-level" one
/// with wal_level=replica and ssl off.
public struct PostgresTestServer: Sendable, Equatable {
    /// `PREFLIGHT_TEST_PG_HOST` (127.0.0.1).
    public var host: String
    /// `PREFLIGHT_TEST_PG_PORT`: the main server.
    public var port: Int
    /// `PREFLIGHT_TEST_PG_DATABASE`: a database with a table, a publication and a logical slot.
    public var database: String
    /// `PREFLIGHT_TEST_PG_SCRAM_USER` / `_PASSWORD`: SCRAM-SHA-256, REPLICATION.
    public var scramUser: String
    public var scramPassword: String
    /// `PREFLIGHT_TEST_PG_MD5_USER` / `_PASSWORD`: an MD5 password.
    public var md5User: String
    public var md5Password: String
    /// `PREFLIGHT_TEST_PG_TLS_USER` / `_PASSWORD`: only allowed over TLS (hostssl).
    public var tlsUser: String
    public var tlsPassword: String
    /// `PREFLIGHT_TEST_PG_NOREPL_USER` / `_PASSWORD`: no REPLICATION, no SELECT on the tables.
    public var noreplUser: String
    public var noreplPassword: String
    /// `PREFLIGHT_TEST_PG_CA_FILE`: path of the CA (PEM) that signed the main server's certificate.
    public var caFile: String
    /// `PREFLIGHT_TEST_PG_OTHER_CA_FILE`: path of an unrelated CA (PEM).
    public var otherCAFile: String
    /// `PREFLIGHT_TEST_PG_REPLICA_PORT`: the wal_level=replica server (ssl off).
    public var replicaPort: Int
    /// `PREFLIGHT_TEST_PG_REPLICA_USER` / `_PASSWORD`: SCRAM, REPLICATION, on the replica-level server.
    public var replicaUser: String
    public var replicaPassword: String
    /// `PREFLIGHT_TEST_PG_SUPERUSER` (optional): a superuser trusted over TCP.
    public var superuser: String?
    /// `PREFLIGHT_TEST_PG_PUBLICATION` (optional): the publication in `database`.
    public var publication: String?
    /// `PREFLIGHT_TEST_PG_SLOT` (optional): the logical slot in `database`.
    public var slot: String?
    /// `PREFLIGHT_TEST_PG_SERVER_CERT_FILE` (optional): the main server's certificate (PEM).
    public var serverCertFile: String?
    /// `PREFLIGHT_TEST_PG_IPV6=1`: the main server also listens on ::1.
    public var ipv6: Bool

    public init(
        host: String, port: Int, database: String,
        scramUser: String, scramPassword: String, md5User: String, md5Password: String,
        tlsUser: String, tlsPassword: String, noreplUser: String, noreplPassword: String,
        caFile: String, otherCAFile: String,
        replicaPort: Int, replicaUser: String, replicaPassword: String,
        superuser: String? = nil, publication: String? = nil, slot: String? = nil,
        serverCertFile: String? = nil, ipv6: Bool = false
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.scramUser = scramUser
        self.scramPassword = scramPassword
        self.md5User = md5User
        self.md5Password = md5Password
        self.tlsUser = tlsUser
        self.tlsPassword = tlsPassword
        self.noreplUser = noreplUser
        self.noreplPassword = noreplPassword
        self.caFile = caFile
        self.otherCAFile = otherCAFile
        self.replicaPort = replicaPort
        self.replicaUser = replicaUser
        self.replicaPassword = replicaPassword
        self.superuser = superuser
        self.publication = publication
        self.slot = slot
        self.serverCertFile = serverCertFile
        self.ipv6 = ipv6
    }

    /// The PEM text of `caFile` (for `sslRootCert`).
    public func caPEM() throws -> String { try String(contentsOfFile: caFile, encoding: .utf8) }

    /// The PEM text of `otherCAFile`.
    public func otherCAPEM() throws -> String { try String(contentsOfFile: otherCAFile, encoding: .utf8) }
}
