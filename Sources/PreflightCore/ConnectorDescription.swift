/// One `sharedConfig` key of a connector type, described once: the README's tables, the served
/// descriptions (and a web form) and the checks that keep them in step all read this.
public struct ConnectorKey: Sendable, Codable, Equatable {
    /// What a value of the key looks like.
    public enum Kind: String, Sendable, Codable {
        /// Free text (a user name, a region, a path).
        case string
        /// A secret: never echoed, masked wherever it could appear.
        case secret
        /// A host name or IP address (validated: no scheme, path or control characters).
        case host
        /// A TCP port, 1 to 65535 (0 counts as absent).
        case port
        /// An integer.
        case integer
        /// true or false (or their common spellings).
        case boolean
        /// One of the values listed in `choices`.
        case choice
        /// A URL (`https://...`).
        case url
        /// PEM text (certificates or a private key).
        case pem
        /// A JSON document (a service-account key file).
        case json
        /// A list (a JSON array, or comma-separated text).
        case list
    }

    public var name: String
    public var kind: Kind
    /// Whether a ping is refused (400) without it.
    public var required: Bool
    /// The value used when the key is absent, as text.
    public var defaultValue: String?
    /// The accepted values, for `choice`.
    public var choices: [String]
    /// One line for a person filling the form.
    public var help: String
    /// True for Preflight's own keys that Artie's clients do not send (`sslMode`, `sslRootCert`, overrides).
    public var isExtension: Bool

    public init(
        _ name: String, _ kind: Kind, required: Bool = false, default defaultValue: String? = nil,
        choices: [String] = [], extension isExtension: Bool = false, help: String
    ) {
        self.name = name
        self.kind = kind
        self.required = required
        self.defaultValue = defaultValue
        self.choices = choices
        self.help = help
        self.isExtension = isExtension
    }
}

/// What a connector type takes and how Preflight tests it.
public struct ConnectorDescription: Sendable, Codable, Equatable {
    public var type: ConnectorType
    /// The product name people know ("PostgreSQL").
    public var productName: String
    /// The port its servers usually listen on, where it has one.
    public var defaultPort: Int?
    /// Whether this build can probe it (the others answer `unsupported`).
    public var probed: Bool
    /// Its `sharedConfig` keys, the ones Artie's clients send first, then Preflight's extensions.
    public var keys: [ConnectorKey]
    /// What `defaultDatabase` means for it, when it uses it.
    public var defaultDatabase: String?
    /// One paragraph: what a ping of this type does.
    public var summary: String

    public init(
        type: ConnectorType, probed: Bool = true, keys: [ConnectorKey], defaultDatabase: String? = nil,
        summary: String
    ) {
        self.type = type
        self.productName = type.productName
        self.defaultPort = type.defaultPort
        self.probed = probed
        self.keys = keys
        self.defaultDatabase = defaultDatabase
        self.summary = summary
    }

    /// The key named `name`, if the type has one.
    public func key(_ name: String) -> ConnectorKey? { keys.first { $0.name == name } }

    /// Refuses a described key whose text holds a control character (a line break in a token is a
    /// header injected into a request): any at all, but for PEM and JSON values, which may hold line
    /// breaks and tabs. The message names the key, never the value.
    public func validateControlCharacters(in config: SharedConfig) throws(InvalidConfig) {
        for key in keys {
            guard case .string(let text)? = config[key.name] else { continue }
            let multiline = key.kind == .pem || key.kind == .json
            let bad = text.unicodeScalars.contains { scalar in
                scalar.isControlCharacter && !(multiline && (scalar == "\n" || scalar == "\r" || scalar == "\t"))
            }
            if bad {
                throw InvalidConfig(
                    "sharedConfig.\(key.name) contains a control character (a line break, tab or NUL)\(multiline ? " outside its text" : ""); remove it"
                )
            }
        }
    }
}

extension ConnectorKey {
    /// `sslMode`, as libpq (the TCP database types).
    public static func sslMode(default value: String) -> ConnectorKey {
        ConnectorKey(
            "sslMode", .choice, default: value, choices: ["disable", "prefer", "require", "verify-ca", "verify-full"],
            extension: true, help: "TLS as libpq: disable, prefer, require, verify-ca or verify-full")
    }

    /// `sslRootCert`: the CA certificates to trust instead of the system's.
    public static let sslRootCert = ConnectorKey(
        "sslRootCert", .pem, extension: true, help: "PEM text of the CA certificates to trust (else the system's roots)"
    )

    /// The AWS key pair and role keys every AWS type shares.
    public static let awsCredentials: [ConnectorKey] = [
        ConnectorKey("awsAccessKeyID", .string, help: "an access key id (AKIA... or, with awsSessionToken, ASIA...)"),
        ConnectorKey("awsSecretAccessKey", .secret, help: "the secret of awsAccessKeyID"),
        ConnectorKey("awsRoleARN", .string, help: "a role to assume with STS (arn:aws:iam::ACCOUNT:role/NAME)"),
        ConnectorKey("awsExternalID", .string, help: "the external id the role's trust policy requires"),
        ConnectorKey(
            "awsSessionToken", .secret, extension: true, help: "the session token of temporary (ASIA...) credentials"),
        ConnectorKey(
            "endpointURL", .url, extension: true, help: "send every AWS call here instead (private endpoints, tests)"),
    ]
}

extension ConnectorDescription {
    /// Every connector type Artie knows, sorted by type: the ones in `described` as they are, the others
    /// as `probed: false` (a ping of them answers `unsupported`).
    public static func catalog(_ described: [ConnectorDescription]) -> [ConnectorDescription] {
        var byType: [ConnectorType: ConnectorDescription] = [:]
        for description in described { byType[description.type] = description }
        return ConnectorType.allCases.sorted { $0.rawValue < $1.rawValue }.map { type in
            byType[type]
                ?? ConnectorDescription(
                    type: type, probed: false, keys: [],
                    summary: "not tested by this build yet: a ping answers 200 with category unsupported")
        }
    }
}
