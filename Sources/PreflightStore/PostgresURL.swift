import Foundation
import PostgresNIO

/// A parsed `postgres://` / `postgresql://` URL. Parsing errors never include the password.
struct PostgresURL: Sendable, Equatable {
    /// libpq's `sslmode` values.
    enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    var host: String
    var port: Int
    var username: String
    var password: String?
    var database: String
    var sslMode: SSLMode

    static let defaultPort = 5432

    /// libpq connection parameters, named in errors when given (only `sslmode` is supported).
    static let libpqParameters: Set<String> = [
        "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "channel_binding", "connect_timeout",
        "client_encoding", "options", "application_name", "fallback_application_name", "keepalives",
        "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout", "replication",
        "gssencmode", "sslnegotiation", "sslcompression", "sslcert", "sslkey", "sslpassword", "sslcertmode",
        "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "requirepeer", "ssl_min_protocol_version",
        "ssl_max_protocol_version", "krbsrvname", "gsslib", "gssdelegation", "service", "target_session_attrs",
        "load_balance_hosts",
    ]

    init(host: String, port: Int = defaultPort, username: String, password: String?, database: String, sslMode: SSLMode)
    {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.sslMode = sslMode
    }

    init(parsing text: String) throws {
        func fail(_ problem: String) -> StoreError {
            StoreError(
                .invalidLocation,
                "Invalid PostgreSQL URL: \(problem). Expected postgres://user:password@host:port/database?sslmode=disable."
            )
        }
        guard let components = URLComponents(string: text) else {
            throw fail(
                "it could not be parsed (percent-encode special characters such as @ : / ? # in the user name or password)"
            )
        }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw fail("the scheme must be postgres:// or postgresql://")
        }
        var host = components.host ?? ""
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw fail("it has no host") }
        guard !host.contains(",") else { throw fail("several hosts are not supported") }
        let port = components.port ?? Self.defaultPort
        guard (1...65535).contains(port) else { throw fail("the port must be between 1 and 65535") }
        guard let user = components.user, !user.isEmpty else {
            throw fail("it has no user name")
        }
        var path = components.path
        if path.hasPrefix("/") { path.removeFirst() }
        guard !path.isEmpty else { throw fail("it has no database name") }
        guard !path.contains("/") else { throw fail("the database name must not contain '/'") }

        var sslMode = SSLMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                let value = item.value ?? ""
                guard let mode = SSLMode(rawValue: value) else {
                    // Values are never repeated: one might be a misplaced secret.
                    throw fail(
                        "unsupported sslmode value; use one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                sslMode = mode
            default:
                // Only a known libpq parameter name is repeated; anything else might be a misplaced secret.
                let shown = Self.libpqParameters.contains(item.name) ? " \"\(item.name)\"" : ""
                throw fail("unsupported query parameter\(shown); only sslmode is accepted")
            }
        }

        self.init(
            host: host, port: port, username: user, password: components.password, database: path, sslMode: sslMode)
    }

    /// The URL with the password, if any, shown as `***`.
    var redacted: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let userPart = password == nil ? username : "\(username):***"
        return "postgres://\(userPart)@\(hostPart):\(port)/\(database)?sslmode=\(sslMode.rawValue)"
    }

    /// The TLS configuration `sslMode` stands for, with libpq's meaning: `prefer`/`allow`/`require`
    /// encrypt without verifying the certificate, `verify-ca` checks the chain, `verify-full` also the host name.
    private func tlsConfiguration() -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable, .allow, .prefer, .require:
            tls.certificateVerification = .none
        case .verifyCA:
            tls.certificateVerification = .noHostnameVerification
        case .verifyFull:
            tls.certificateVerification = .fullVerification
        }
        return tls
    }

    /// A configuration for a single connection (used to run migrations and administrative statements).
    func connectionConfiguration(database: String? = nil) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch sslMode {
        case .disable:
            tls = .disable
        case .allow, .prefer:
            tls = .prefer(try makeContext())
        case .require, .verifyCA, .verifyFull:
            tls = .require(try makeContext())
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password,
            database: database ?? self.database, tls: tls
        )
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    /// A configuration for the pooled client the store uses for requests.
    func clientConfiguration(maximumConnections: Int) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case .disable: tls = .disable
        case .allow, .prefer: tls = .prefer(tlsConfiguration())
        case .require, .verifyCA, .verifyFull: tls = .require(tlsConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls
        )
        configuration.options.maximumConnections = maximumConnections
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    private func makeContext() throws -> NIOSSLContext {
        do {
            return try NIOSSLContext(configuration: tlsConfiguration())
        } catch {
            throw StoreError(.connectionFailed, "Could not set up TLS for \(redacted): \(error)")
        }
    }
}
