import Foundation
import PreflightAWS
import PreflightCore
import PreflightHTTP

/// What an Amazon Keyspaces ping needs, read from a payload of type `keyspaces` (Artie's `sharedConfig`:
/// `host`, `port` (9142), `awsRegion`, `awsAccessKeyID`, `awsSecretAccessKey`, `awsRoleARN`,
/// `awsExternalID`), plus Preflight's extension keys: `username`/`password` (service-specific
/// credentials), `awsSessionToken`, `endpointURL` (where STS calls go), `sslMode`, `sslRootCert`.
///
/// - awsRegion (required) and host: `cassandra.REGION.amazonaws.com` when absent (`.amazonaws.com.cn` in
///   China); a host of that shape in another region is a 400.
/// - login: service-specific credentials (PasswordAuthenticator) when `username` and `password` are
///   given, else the SigV4 authenticator with the keys or an assumed role (both at once is a 400).
/// - TLS always (Keyspaces accepts nothing else), verify-full against `sslRootCert` or the system's roots.
/// - keyspace: `defaultDatabase` (optional; readiness needs it).
public struct KeyspacesConfig: Sendable, Equatable {
    /// How the ping logs in.
    public enum Login: Sendable, Equatable {
        case password(username: String, password: String)
        case sigV4(AWSAuthConfig)
    }

    public var host: String
    public var port: Int
    /// The region (`awsRegion`): the default endpoint's, and the one the SigV4 login is signed for.
    public var region: String
    public var login: Login
    public var keyspace: String?
    public var tls: TLSSettings
    /// Where STS AssumeRole goes instead of `sts.REGION.amazonaws.com`.
    public var endpointURL: HTTPEndpoint?

    /// Validates every key; throws a 400 naming the key, never quoting a secret.
    public init(payload: ConnectorPayload) throws(InvalidConfig) {
        let config = payload.sharedConfig
        if let text = try config.string("endpointURL") {
            endpointURL = try HTTPEndpoint.parse(text, key: "endpointURL")
        }
        guard let regionText = try config.string("awsRegion") else {
            throw InvalidConfig(
                "sharedConfig.awsRegion is required for keyspaces (the keyspace's region, e.g. us-east-1: it names the endpoint and signs the login)"
            )
        }
        let region = try AWSNames.region(regionText, key: "sharedConfig.awsRegion")
        if try config.string("host") != nil {
            host = try config.host("host", for: .keyspaces)
            if let named = Self.region(inHost: host), named != region {
                throw InvalidConfig(
                    "sharedConfig.host \(host) is in \(named) but sharedConfig.awsRegion is \(region); they must agree")
            }
        } else {
            host = Self.defaultHost(region: region)
        }
        self.region = region
        port = try config.port("port", for: .keyspaces)
        let username = try config.string("username")
        let password = try config.secret("password")
        let keyID = try config.string("awsAccessKeyID")
        let secret = try config.secret("awsSecretAccessKey")
        let role = try config.string("awsRoleARN")
        let hasAWSKeys = keyID != nil || secret != nil || role != nil
        switch (username, password) {
        case (.some(let username), .some(let password)):
            guard !hasAWSKeys else {
                throw InvalidConfig(
                    "give either sharedConfig.username and sharedConfig.password (service-specific credentials) or AWS keys/awsRoleARN (SigV4), not both"
                )
            }
            guard !username.contains("\0"), !password.contains("\0") else {
                throw InvalidConfig("sharedConfig.username and sharedConfig.password must not contain NUL characters")
            }
            login = .password(username: username, password: password)
        case (.some, nil):
            throw InvalidConfig("sharedConfig.password is required with sharedConfig.username")
        case (nil, .some):
            throw InvalidConfig("sharedConfig.username is required with sharedConfig.password")
        case (nil, nil):
            login = .sigV4(try AWSAuthConfig.from(config, type: .keyspaces, strictKeyShape: endpointURL == nil))
        }
        if let keyspace = payload.defaultDatabase?.trimmingCharacters(in: .whitespaces), !keyspace.isEmpty {
            guard keyspace.count <= 48, keyspace.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            else {
                throw InvalidConfig(
                    "defaultDatabase must be a keyspace name: 1 to 48 letters, digits and underscores")
            }
            self.keyspace = keyspace
        }
        let settings = try TLSSettings.from(config, serverName: host, default: .verifyFull, type: .keyspaces)
        guard !settings.mode.allowsPlaintext else {
            throw InvalidConfig(
                "sharedConfig.sslMode \"\(settings.mode.rawValue)\" cannot apply to keyspaces: Amazon Keyspaces accepts only TLS; use verify-full (the default), verify-ca or require"
            )
        }
        tls = settings
    }

    /// `cassandra.REGION.amazonaws.com` (`.amazonaws.com.cn` for the China regions).
    public static func defaultHost(region: String) -> String {
        "cassandra.\(region).\(region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com")"
    }

    /// The region in a host of the shape `cassandra[-fips].REGION.amazonaws.com[.cn]`.
    static func region(inHost host: String) -> String? {
        let labels = host.lowercased().split(separator: ".")
        guard labels.count >= 4, labels[0].hasPrefix("cassandra"), labels[2] == "amazonaws" else { return nil }
        let candidate = String(labels[1])
        return AWSNames.isRegion(candidate) ? candidate : nil
    }
}
