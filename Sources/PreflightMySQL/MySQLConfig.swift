import Foundation
import PreflightCore

/// What a MySQL-wire ping needs, read from a payload of type `mysql` or `planetscale` (Artie's `sharedConfig`:
/// `host`, `port` (3306), `user`, `password`, `tlsMode`; the database from `defaultDatabase`), plus
/// Preflight's extension keys `sslMode`, `sslRootCert` and `serverPublicKey`.
///
/// TLS, for `mysql`:
/// - `sslMode` (disable, prefer, require, verify-ca, verify-full), when given, wins;
/// - otherwise Artie's `tlsMode`: absent or `""` means **no TLS** (Artie's semantics: plaintext),
///   `"preferred"` means prefer (TLS when the server offers it, certificate not checked). MySQL's
///   `--ssl-mode` names (disabled, preferred, required, verify_ca, verify_identity) are accepted too;
/// - `sslRootCert` (PEM) turns `require` into verify-ca, as in libpq.
///
/// For `planetscale` TLS is always verified: the mode is verify-full whatever `tlsMode` says, and an
/// `sslMode` weaker than verify-full is refused (400).
///
/// `serverPublicKey` (PEM, optional): the server's RSA public key for `caching_sha2_password` /
/// `sha256_password` full authentication without TLS; without it the key is requested from the server.
///
/// Without `defaultDatabase` the ping connects without a default schema.
public struct MySQLConfig: Sendable, Equatable {
    public var type: ConnectorType
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String?
    public var tls: TLSSettings
    /// Where the TLS mode came from, for messages: `sslMode "require"`, `tlsMode "preferred"`, ...
    public var tlsModeSource: String
    public var serverPublicKeyPEM: String?

    public init(payload: ConnectorPayload) throws(InvalidConfig) {
        let config = payload.sharedConfig
        type = payload.type
        host = try config.host("host", for: type)
        port = try config.port("port", for: type)
        user = try config.requiredString("user", for: type)
        guard !user.utf8.contains(0), user.utf8.count <= 255 else {
            throw InvalidConfig("sharedConfig.user must be at most 255 bytes without NUL characters")
        }
        password = try config.secret("password")
        if let database = payload.defaultDatabase {
            guard !database.utf8.contains(0), database.utf8.count <= 255 else {
                throw InvalidConfig("defaultDatabase must be at most 255 bytes without NUL characters")
            }
            self.database = database
        }
        let sslMode = try config.string("sslMode")
        switch type {
        case .planetscale:
            tls = try TLSSettings.from(config, serverName: host, default: .verifyFull, type: type)
            guard tls.mode == .verifyFull else {
                throw InvalidConfig(
                    "planetscale connections are always verified: sharedConfig.sslMode must be verify-full or omitted")
            }
            tlsModeSource = sslMode != nil ? "sslMode \"verify-full\"" : "planetscale (always verify-full)"
        default:
            let tlsMode = try config.string("tlsMode")
            let fallback = try Self.mode(forTLSMode: tlsMode)
            tls = try TLSSettings.from(config, serverName: host, default: fallback, type: type)
            if let sslMode {
                tlsModeSource = "sslMode \"\(sslMode)\""
            } else if let tlsMode {
                tlsModeSource = "tlsMode \"\(tlsMode)\""
            } else {
                tlsModeSource = "tlsMode \"\""
            }
        }
        if let pem = try config.string("serverPublicKey") {
            guard pem.contains("-----BEGIN"), pem.contains("PUBLIC KEY-----") else {
                throw InvalidConfig(
                    "sharedConfig.serverPublicKey must be an RSA public key in PEM form (-----BEGIN PUBLIC KEY-----)")
            }
            serverPublicKeyPEM = pem
        }
    }

    /// Artie's `tlsMode` (and MySQL's `--ssl-mode` names) as an SSLMode.
    static func mode(forTLSMode text: String?) throws(InvalidConfig) -> SSLMode {
        guard let text else { return .disable }
        switch text.trimmed(newlines: false).lowercased() {
        case "", "disabled", "disable", "none", "false": return .disable
        case "preferred", "prefer": return .prefer
        case "required", "require", "true": return .require
        case "verify_ca", "verify-ca": return .verifyCA
        case "verify_identity", "verify-identity", "verify-full": return .verifyFull
        default:
            throw InvalidConfig(
                "sharedConfig.tlsMode must be \"\" (no TLS) or \"preferred\" (or use sslMode: disable, prefer, require, verify-ca, verify-full)"
            )
        }
    }

    /// `'user'@'host'` quoting for statements in hints.
    static func quoted(_ text: String) -> String {
        var quoted = "'"
        for character in text {
            if character == "\\" || character == "'" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "'"
    }

    /// A database name in backquotes.
    static func backquoted(_ text: String) -> String {
        var quoted = "`"
        for character in text {
            if character == "`" { quoted.append("`") }
            quoted.append(character)
        }
        return quoted + "`"
    }
}
