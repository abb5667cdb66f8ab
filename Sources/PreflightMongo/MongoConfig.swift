import PreflightCore

/// A validated plan for pinging a MongoDB or DocumentDB deployment, built from the payload.
///
/// Keys: `sharedConfig.host` (a `mongodb://` or `mongodb+srv://` connection string, or a bare host
/// or "host:port,host:port" seed list), `port` (for a bare host), `user` (or `username`) and `password`
/// (override the connection string's), `sslMode` / `sslRootCert` (the PEM of the CA; a `tlsCAFile` path in
/// the string cannot be read by this service), and the payload's `defaultDatabase` (else the string's path).
struct MongoConfig: Sendable {
    let type: ConnectorType
    var connection: MongoConnectionString
    let user: String?
    let password: String?
    /// An explicit authSource (string or TXT); else the path's database; else admin.
    let explicitAuthSource: String?
    /// The database to check and open the change stream on; nil for the whole deployment.
    let database: String?
    /// nil: plaintext. The server name is replaced by each member's host when dialling.
    let tls: TLSSettings?
    /// Things the report should mention about the TLS options (a tlsCAFile that cannot be read here).
    let tlsNotes: [String]
    /// The requested mechanism (nil: negotiate).
    let mechanism: String?

    var product: String { type.productName }

    /// The host the report names before anything resolves.
    var displayHost: String { connection.srvHost ?? connection.hosts.first?.host ?? "" }
    var displayPort: Int? { connection.isSRV ? nil : connection.hosts.first?.port }

    /// authSource as a driver computes it: explicit, else the path's database, else admin ($external for X.509 and the like).
    var authSource: String {
        if let explicit = explicitAuthSource ?? connection.authSource { return explicit }
        if let mechanism, ["MONGODB-X509", "GSSAPI", "PLAIN", "MONGODB-AWS", "MONGODB-OIDC"].contains(mechanism) {
            return "$external"
        }
        return connection.database ?? "admin"
    }

    init(payload: ConnectorPayload) throws(InvalidConfig) {
        type = payload.type
        let config = payload.sharedConfig
        let text = try config.requiredString("host", for: payload.type)
        let defaultPort = try config.port("port", for: payload.type)
        connection = try MongoConnectionString.parse(text, defaultPort: defaultPort)
        // With mongodb+srv:// the ports come from DNS; a sharedConfig.port (clients send every key) is ignored.
        let configUser = try config.string("user")
        let configUsername = try config.string("username")
        user = configUser ?? configUsername ?? connection.username
        let configPassword = try config.secret("password")
        password = configPassword ?? connection.password
        explicitAuthSource = nil
        mechanism = connection.authMechanism
        if user != nil, password == nil, mechanism == nil || mechanism?.hasPrefix("SCRAM") == true {
            throw InvalidConfig(
                "sharedConfig.password is required when a user is given (SCRAM authentication needs it)")
        }
        if password != nil, user == nil {
            throw InvalidConfig("sharedConfig.user is required when a password is given")
        }
        database = payload.defaultDatabase ?? connection.database
        if let database, let bad = database.first(where: { "/\\. \"$".contains($0) }) {
            throw InvalidConfig(
                "defaultDatabase \"\(database.prefix(64))\" contains '\(bad)', which MongoDB does not allow in database names"
            )
        }
        (tls, tlsNotes) = try Self.tlsSettings(config: config, connection: connection, type: payload.type)
    }

    /// Combines the string's TLS options with `sslMode` / `sslRootCert`.
    static func tlsSettings(config: SharedConfig, connection: MongoConnectionString, type: ConnectorType)
        throws(InvalidConfig) -> (TLSSettings?, [String])
    {
        let defaultOn = connection.isSRV || type == .documentdb
        let on = connection.tls ?? defaultOn
        var defaultMode: SSLMode = .disable
        if on {
            if connection.tlsInsecure == true || connection.tlsAllowInvalidCertificates == true {
                defaultMode = .require
            } else if connection.tlsAllowInvalidHostnames == true {
                defaultMode = .verifyCA
            } else {
                defaultMode = .verifyFull
            }
        }
        let explicit = try config.string("sslMode")
        var settings = try TLSSettings.from(
            config, serverName: connection.srvHost ?? connection.hosts.first?.host ?? "", default: defaultMode,
            type: type)
        if explicit != nil {
            if connection.tls == false && !settings.mode.allowsPlaintext {
                throw InvalidConfig(
                    "sharedConfig.sslMode is \(settings.mode.rawValue) but the connection string says tls=false; remove one of them"
                )
            }
            if connection.tls == true && settings.mode == .disable {
                throw InvalidConfig(
                    "sharedConfig.sslMode is disable but the connection string says tls=true; remove one of them")
            }
            if settings.mode == .prefer {
                // MongoDB has no TLS negotiation: TLS starts at once or never. prefer follows the string.
                settings.mode = on ? (settings.rootCertificatesPEM == nil ? .require : .verifyCA) : .disable
            }
        }
        var notes: [String] = []
        if let file = connection.tlsCAFile, settings.rootCertificatesPEM == nil, settings.mode.verifiesChain {
            notes.append(
                "the connection string names tlsCAFile=\(file.prefix(80)), a file this service cannot read: paste the file's PEM text into sharedConfig.sslRootCert"
            )
        }
        if connection.tlsCertificateKeyFile {
            notes.append(
                "tlsCertificateKeyFile (a client certificate) is ignored: this service cannot present client certificates"
            )
        }
        return (settings.mode == .disable ? nil : settings, notes)
    }
}

extension MongoConfig {
    /// The config with the TXT record's options applied (the string's own options win).
    func applyingTXT(_ options: [String: String]) -> MongoConfig {
        var copy = self
        if copy.connection.authSource == nil, let source = options["authSource"] { copy.connection.authSource = source }
        if copy.connection.replicaSet == nil, let set = options["replicaSet"] { copy.connection.replicaSet = set }
        if copy.connection.loadBalanced == nil, let flag = options["loadBalanced"] {
            copy.connection.loadBalanced = flag.lowercased() == "true"
        }
        return copy
    }
}
