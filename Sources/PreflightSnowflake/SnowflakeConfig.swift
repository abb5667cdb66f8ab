import Crypto
import PreflightCore
import PreflightHTTP
import _CryptoExtras

/// What a Snowflake ping needs, read from a `snowflake` payload.
///
/// Keys (Artie's): `accountIdentifier`, `accountURL` (legacy), `virtualDWH` (the warehouse, required),
/// `username`, `privateKey` (PKCS#8 PEM, unencrypted RSA) or the legacy `password`: exactly one of the two.
/// Preflight's extension keys: `role` (optional; the user's default role otherwise) and `sslRootCert`
/// (PEM CA bundle for a private CA or a test peer).
///
/// `accountURL` is both Artie's legacy key and the override: a full URL used instead of
/// `https://<account>.snowflakecomputing.com`. When it is a Snowflake host, it also names the account
/// if `accountIdentifier` is absent.
public struct SnowflakeConfig: Sendable {
    /// How the ping authenticates.
    public enum Authentication: Sendable {
        /// Key-pair: a JWT signed with this key.
        case keyPair(_RSA.Signing.PrivateKey)
        /// The legacy login with a password.
        case password(String)
    }

    public var account: SnowflakeAccount
    public var endpoint: HTTPEndpoint
    public var warehouse: String
    public var username: String
    public var role: String?
    /// Destination readiness: the database the pipeline writes to (extension `database`) and, optionally,
    /// the schema (extension `schema`: CREATE TABLE there instead of CREATE SCHEMA on the database).
    public var database: String?
    public var schema: String?
    public var authentication: Authentication
    public var rootCertificatesPEM: String?

    /// Validates `payload`; every failure names the key and never repeats a secret.
    public init(payload: ConnectorPayload) throws(InvalidConfig) {
        let config = payload.sharedConfig
        let identifier = try config.string("accountIdentifier")
        let url = try config.string("accountURL")
        var endpoint: HTTPEndpoint?
        if let url {
            let parsed = try HTTPEndpoint.parse(url, key: "accountURL")
            endpoint = HTTPEndpoint(isTLS: parsed.isTLS, host: parsed.host, port: parsed.port)
        }
        if let identifier {
            account = try SnowflakeAccount.parse(identifier, key: "accountIdentifier")
        } else if let endpoint, let fromURL = SnowflakeAccount.fromHost(endpoint.host) {
            account = fromURL
        } else if url != nil {
            throw InvalidConfig(
                "sharedConfig.accountIdentifier is required when sharedConfig.accountURL is not a *.snowflakecomputing.com address (it names the account in the login)"
            )
        } else {
            throw InvalidConfig(
                "sharedConfig.accountIdentifier is required for snowflake (orgname-accountname, e.g. myorg-myaccount)")
        }
        self.endpoint = endpoint ?? HTTPEndpoint(isTLS: true, host: account.host, port: 443)
        warehouse = try Self.identifier(config, "virtualDWH", required: true)!
        username = try Self.identifier(config, "username", required: true)!
        role = try Self.identifier(config, "role", required: false)
        database = try Self.identifier(config, "database", required: false)
        schema = try Self.identifier(config, "schema", required: false)
        if schema != nil, database == nil {
            throw InvalidConfig("sharedConfig.schema needs sharedConfig.database (the database the schema is in)")
        }

        let pem = try config.secret("privateKey")
        let password = try config.secret("password")
        switch (pem, password) {
        case (nil, nil):
            throw InvalidConfig(
                "snowflake needs one way to sign in: sharedConfig.privateKey (key-pair, recommended) or sharedConfig.password"
            )
        case (.some, .some):
            throw InvalidConfig(
                "give either sharedConfig.privateKey or sharedConfig.password for snowflake, not both (key-pair authentication is recommended; remove the password)"
            )
        case (.some(let pem), nil):
            authentication = .keyPair(try RSAPrivateKeyPEM.parse(pem, field: "sharedConfig.privateKey"))
        case (nil, .some(let password)):
            guard password.utf8.count <= 1024 else {
                throw InvalidConfig("sharedConfig.password is longer than 1024 bytes")
            }
            authentication = .password(password)
        }
        if let pem = try config.string("sslRootCert") {
            guard pem.contains("-----BEGIN CERTIFICATE-----") else {
                throw InvalidConfig("sharedConfig.sslRootCert must be PEM text containing -----BEGIN CERTIFICATE-----")
            }
            rootCertificatesPEM = pem
        }
    }

    /// An object or user name: at most 255 characters, no control characters; surrounding spaces removed.
    static func identifier(_ config: SharedConfig, _ key: String, required: Bool) throws(InvalidConfig) -> String? {
        guard let raw = try config.string(key) else {
            if required { throw InvalidConfig("sharedConfig.\(key) is required for snowflake") }
            return nil
        }
        let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard value.count <= 255, !value.containsControlCharacter
        else {
            throw InvalidConfig("sharedConfig.\(key) must be at most 255 characters without control characters")
        }
        return value
    }

    /// The user as Snowflake's JWT claims want it: upper-cased.
    public var jwtUser: String { username.uppercased() }

    /// The key-pair key, when that is the authentication.
    public var privateKey: _RSA.Signing.PrivateKey? {
        if case .keyPair(let key) = authentication { return key }
        return nil
    }
}
