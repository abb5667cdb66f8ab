import Foundation
import PreflightCore

/// What a Redis ping needs, read from a payload of type `redis` (Artie's `sharedConfig`: `host`,
/// `port` (6379), `username`, `password`, `database`, `tls`), plus Preflight's extension keys
/// `sslMode` and `sslRootCert`.
///
/// TLS: Redis has no in-protocol upgrade: a port speaks TLS from the first byte or not at all.
/// - `tls: true` means TLS verified as verify-full (chain and host name) unless `sslMode` says
///   `require` (encrypt without checking) or `verify-ca`; `sslMode` `disable`/`prefer` contradict it (400);
/// - `tls` absent: `sslMode` `require`/`verify-ca`/`verify-full` turns TLS on; otherwise plaintext;
/// - `tls: false` with a verifying or requiring `sslMode` is a contradiction (400);
/// - `sslRootCert` (PEM) is the CA to trust instead of the system's.
///
/// Credentials: `password` alone authenticates as the `default` user (`requirepass`); `username` with
/// `password` as that ACL user (Redis 6+). A `username` without a `password` is refused (400): Redis
/// has no way to log in by name alone.
public struct RedisConfig: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    /// The logical database to SELECT; nil leaves the connection on database 0 without a SELECT.
    public var database: Int?
    /// nil for plaintext.
    public var tls: TLSSettings?

    public init(payload: ConnectorPayload) throws(InvalidConfig) {
        let config = payload.sharedConfig
        host = try config.host("host", for: .redis)
        port = try config.port("port", for: .redis)
        username = try config.string("username")
        password = try config.secret("password")
        if let username {
            guard username.utf8.count <= 512, !username.contains(where: { $0.isWhitespace || $0 == "\0" }) else {
                throw InvalidConfig("sharedConfig.username must be at most 512 bytes without spaces or NUL characters")
            }
            guard password != nil else {
                throw InvalidConfig(
                    "sharedConfig.username needs sharedConfig.password: Redis logs a user in with AUTH username password"
                )
            }
        }
        if let password, password.utf8.count > 4096 {
            throw InvalidConfig("sharedConfig.password is longer than 4096 bytes")
        }
        database = try Self.database(config)
        tls = try Self.tls(config, host: host)
    }

    static func database(_ config: SharedConfig) throws(InvalidConfig) -> Int? {
        let message = "sharedConfig.database must be a Redis database number (an integer, 0 or more)"
        switch config["database"] ?? .null {
        case .null: return nil
        case .number(let number):
            guard number == number.rounded(), number >= 0, number <= Double(Int32.max) else {
                throw InvalidConfig(message)
            }
            return Int(number)
        case .string(let text):
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { return nil }
            guard trimmed.count <= 10, trimmed.allSatisfy(\.isASCII), let number = Int(trimmed), number >= 0,
                number <= Int(Int32.max)
            else {
                throw InvalidConfig(message)
            }
            return number
        case let other:
            throw InvalidConfig("\(message), not \(other.kindDescription)")
        }
    }

    static func tls(_ config: SharedConfig, host: String) throws(InvalidConfig) -> TLSSettings? {
        let flag = try config.bool("tls")
        let sslMode = try config.string("sslMode")
        switch flag {
        case true:
            let settings = try TLSSettings.from(config, serverName: host, default: .verifyFull, type: .redis)
            guard !settings.mode.allowsPlaintext else {
                throw InvalidConfig(
                    "sharedConfig.sslMode \"\(settings.mode.rawValue)\" contradicts tls true: Redis ports speak TLS from the first byte or not at all; use require, verify-ca or verify-full (or omit sslMode)"
                )
            }
            return settings
        case false:
            let settings = try TLSSettings.from(config, serverName: host, default: .disable, type: .redis)
            guard settings.mode.allowsPlaintext else {
                throw InvalidConfig(
                    "sharedConfig.sslMode \"\(settings.mode.rawValue)\" contradicts tls false; set tls to true for a TLS port"
                )
            }
            return nil
        case nil:
            guard sslMode != nil else { return nil }
            let settings = try TLSSettings.from(config, serverName: host, default: .disable, type: .redis)
            switch settings.mode {
            case .disable: return nil
            case .prefer:
                throw InvalidConfig(
                    "sharedConfig.sslMode \"prefer\" cannot apply to Redis, which has no TLS negotiation: set tls true (verify-full), or sslMode require, or disable"
                )
            default: return settings
            }
        }
    }
}
