import Foundation
import PreflightCore

/// What a SQL Server ping needs, read from a payload of type `mssql` (Artie's `sharedConfig`: `host`,
/// `port` (1433), `username`, `password`; the database from `defaultDatabase`), plus the extension
/// keys `sslMode` (default verify-full: encrypted and verified wherever the server can encrypt),
/// `sslRootCert`, `schema` (destinations, default `dbo`) and `strictEncryption` (TDS 8.0: TLS first).
///
/// `sslMode` onto PRELOGIN's encryption option: disable asks for none (ENCRYPT_NOT_SUP), prefer for
/// the login at least (ENCRYPT_OFF), require and the verifying modes for the whole session (ENCRYPT_ON).
public struct MSSQLConfig: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    /// Empty: the login's default database.
    public var database: String
    public var tls: TLSSettings
    /// Whether `sslMode` was given (messages say where the mode came from).
    public var sslModeGiven: Bool
    public var schema: String
    /// TDS 8.0 strict encryption: TLS first (ALPN `tds/8.0`), then PRELOGIN and LOGIN7 inside it.
    public var strictEncryption: Bool

    public init(payload: ConnectorPayload) throws(InvalidConfig) {
        let config = payload.sharedConfig
        host = try config.host("host", for: .mssql)
        port = try config.port("port", for: .mssql)
        username = try config.requiredString("username", for: .mssql)
        guard !username.contains("\0"), username.count <= 128 else {
            throw InvalidConfig("sharedConfig.username must be at most 128 characters without NUL characters")
        }
        password = try config.secret("password")
        if let password, password.count > 128 {
            throw InvalidConfig("sharedConfig.password must be at most 128 characters (SQL Server's limit)")
        }
        database = payload.defaultDatabase ?? ""
        guard !database.contains("\0"), database.count <= 128 else {
            throw InvalidConfig("defaultDatabase must be at most 128 characters without NUL characters")
        }
        sslModeGiven = try config.string("sslMode") != nil
        tls = try TLSSettings.from(config, serverName: host, default: .verifyFull, type: .mssql)
        schema = try config.string("schema") ?? "dbo"
        strictEncryption = try config.bool("strictEncryption") ?? false
        if strictEncryption, tls.mode.allowsPlaintext {
            throw InvalidConfig(
                "sharedConfig.strictEncryption always encrypts: sslMode must be require, verify-ca or verify-full (or omitted)"
            )
        }
        guard !schema.isEmpty, schema.count <= 128, !schema.contains("\0") else {
            throw InvalidConfig("sharedConfig.schema must be 1 to 128 characters without NUL characters")
        }
    }

    /// `sslMode "require"` or `sslMode verify-full (the default)`, for messages.
    var tlsModeSource: String {
        sslModeGiven ? "sslMode \"\(tls.mode.rawValue)\"" : "sslMode \"\(tls.mode.rawValue)\" (the default)"
    }

    /// `[name]` with `]` doubled, for statements in fixes.
    static func bracketed(_ name: String) -> String {
        "[" + name.replacingOccurrences(of: "]", with: "]]") + "]"
    }

    /// `N'text'` with `'` doubled, for literals in queries and fixes.
    static func literal(_ text: String) -> String {
        "N'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
