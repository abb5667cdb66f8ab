import Foundation
import PreflightCore
import PreflightHTTP

/// How a ping authenticates to AWS: access keys, a role to assume (with those keys, or with this
/// service's own credentials), or both.
public struct AWSAuthConfig: Sendable, Equatable {
    /// The keys from `sharedConfig` (`awsAccessKeyID`, `awsSecretAccessKey`, extension `awsSessionToken`).
    public var credentials: AWSCredentials?
    /// `awsRoleARN`: assumed with STS before anything else.
    public var roleARN: RoleARN?
    /// `awsExternalID`: passed to AssumeRole.
    public var externalID: String?

    /// Reads and validates the key names every AWS type shares. `strictKeyShape` is false when an
    /// `endpointURL` points at an AWS look-alike whose keys need not look like AWS's.
    public static func from(_ config: SharedConfig, type: ConnectorType, strictKeyShape: Bool) throws(InvalidConfig)
        -> AWSAuthConfig
    {
        let keyID = try config.string("awsAccessKeyID")?.trimmingCharacters(in: .whitespaces)
        let secret = try config.secret("awsSecretAccessKey")
        let token = try config.secret("awsSessionToken")
        let role = try config.string("awsRoleARN")
        var auth = AWSAuthConfig()
        switch (keyID, secret) {
        case (nil, nil):
            guard role != nil else {
                throw InvalidConfig(
                    "\(type.rawValue) needs credentials: sharedConfig.awsRoleARN, or both sharedConfig.awsAccessKeyID and sharedConfig.awsSecretAccessKey"
                )
            }
        case (.some, nil):
            throw InvalidConfig("sharedConfig.awsSecretAccessKey is required with sharedConfig.awsAccessKeyID")
        case (nil, .some):
            throw InvalidConfig("sharedConfig.awsAccessKeyID is required with sharedConfig.awsSecretAccessKey")
        case (.some(let keyID), .some(let secret)):
            let id = try AWSNames.accessKeyID(keyID, key: "sharedConfig.awsAccessKeyID", strict: strictKeyShape)
            let checkedSecret = try AWSNames.secretAccessKey(secret, key: "sharedConfig.awsSecretAccessKey")
            if id.hasPrefix("ASIA"), token == nil {
                throw InvalidConfig(
                    "sharedConfig.awsAccessKeyID starts with ASIA: it is a temporary key that only works with its session token; use an IAM user's long-term key (AKIA...) or sharedConfig.awsRoleARN"
                )
            }
            auth.credentials = AWSCredentials(accessKeyID: id, secretAccessKey: checkedSecret, sessionToken: token)
        }
        if let role {
            auth.roleARN = try RoleARN.parse(role, key: "sharedConfig.awsRoleARN")
        }
        if let external = try config.string("awsExternalID") {
            guard auth.roleARN != nil else {
                throw InvalidConfig(
                    "sharedConfig.awsExternalID is only used to assume a role: set sharedConfig.awsRoleARN too, or remove it"
                )
            }
            guard (2...1224).contains(external.count),
                external.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+=,.@:/-_".contains($0)) })
            else {
                throw InvalidConfig(
                    "sharedConfig.awsExternalID must be 2 to 1224 characters of letters, digits and +=,.@:/-_")
            }
            auth.externalID = external
        }
        return auth
    }
}

/// An Iceberg REST catalog: where it is and how to authenticate (none, a bearer token, or an OAuth
/// client-credentials exchange).
public struct IcebergRESTConfig: Sendable, Equatable {
    public enum Auth: Sendable, Equatable {
        case none
        case token(String)
        case clientCredentials(
            clientID: String, clientSecret: String, tokenEndpoint: HTTPEndpoint, tokenPath: String, scope: String)
    }

    public var catalog: HTTPEndpoint
    public var auth: Auth
    public var warehouse: String?
    public var prefix: String?
    /// Preflight's extension `namespace` (`a` or `a.b`): where the destination creates its tables.
    public var namespace: [String]?
    /// Preflight's extension `writeTest: true`: create and drop one empty table in the namespace.
    public var writeTest = false

    /// Reads `uri`, `token` or `credential` (with `authURI`, `scope`), `warehouse`, `prefix`, and the
    /// extensions `namespace` and `writeTest`.
    public static func from(_ config: SharedConfig) throws(InvalidConfig) -> IcebergRESTConfig {
        guard let uri = try config.string("uri") else {
            throw InvalidConfig(
                "sharedConfig.uri is required for iceberg with provider \"rest\" (the catalog's base URL, e.g. https://catalog.example.com/api/catalog)"
            )
        }
        let catalog = try HTTPEndpoint.parse(uri, key: "uri")
        let token = try config.secret("token")
        let credential = try config.secret("credential")
        var auth = Auth.none
        switch (token, credential) {
        case (.some, .some):
            throw InvalidConfig(
                "give either sharedConfig.token or sharedConfig.credential for the iceberg catalog, not both")
        case (.some(let token), nil):
            guard !token.contains(where: { $0.isNewline }) else {
                throw InvalidConfig("sharedConfig.token contains a line break; paste the token alone")
            }
            auth = .token(token.trimmingCharacters(in: .whitespaces))
        case (nil, .some(let credential)):
            guard let colon = credential.firstIndex(of: ":"), colon != credential.startIndex,
                credential.index(after: colon) != credential.endIndex
            else {
                throw InvalidConfig("sharedConfig.credential must be \"CLIENT_ID:CLIENT_SECRET\"")
            }
            let clientID = String(credential[..<colon]).trimmingCharacters(in: .whitespaces)
            let clientSecret = String(credential[credential.index(after: colon)...])
            var tokenEndpoint = catalog
            var tokenPath = "/v1/oauth/tokens"
            if let authURI = try config.string("authURI") {
                let parsed = try HTTPEndpoint.parse(authURI, key: "authURI")
                tokenEndpoint = parsed.with(basePath: "")
                tokenPath = parsed.basePath.isEmpty ? "/" : parsed.basePath
            }
            let scope = try config.string("scope") ?? "PRINCIPAL_ROLE:ALL"
            auth = .clientCredentials(
                clientID: clientID, clientSecret: clientSecret, tokenEndpoint: tokenEndpoint,
                tokenPath: tokenPath, scope: scope)
        case (nil, nil):
            break
        }
        var prefix = try config.string("prefix")?.trimmingCharacters(in: CharacterSet(charactersIn: "/ "))
        if prefix?.isEmpty == true { prefix = nil }
        var rest = IcebergRESTConfig(
            catalog: catalog, auth: auth, warehouse: try config.string("warehouse"), prefix: prefix)
        if let text = try config.string("namespace") {
            rest.namespace = try namespaceLevels(text)
        }
        rest.writeTest = try config.bool("writeTest") ?? false
        return rest
    }

    /// `a.b` → ["a", "b"]: one to 8 levels, each 1-255 characters without control characters.
    static func namespaceLevels(_ text: String) throws(InvalidConfig) -> [String] {
        let levels = text.trimmingCharacters(in: .whitespaces).split(separator: ".", omittingEmptySubsequences: false)
            .map(String.init)
        guard (1...8).contains(levels.count),
            levels.allSatisfy({ level in
                !level.isEmpty && level.count <= 255
                    && !level.containsControlCharacter
            })
        else {
            throw InvalidConfig(
                "sharedConfig.namespace must be a namespace such as analytics or lake.analytics (levels separated by dots, no control characters)"
            )
        }
        return levels
    }
}

/// What an AWS-family ping needs, read from a payload of type `s3`, `dynamodb` or `iceberg`.
///
/// - s3: `awsRegion` (required), keys or `awsRoleARN` (+ `awsExternalID`); extension `bucket` (a bucket to check).
/// - dynamodb: `streamsArn` (required; its region is used), keys or role.
/// - iceberg: `provider` `s3tables` (`bucketARN`, `region` or the ARN's region, keys or role) or `rest`
///   (`uri`, `token` or `credential` with `authURI`/`scope`, `warehouse`, `prefix`).
/// - every type: extension `endpointURL` (every AWS call goes there; S3 path-style) and `sslRootCert`.
public struct AWSConfig: Sendable, Equatable {
    public enum Plan: Sendable, Equatable {
        case s3(bucket: String?)
        case dynamodb(StreamARN)
        case s3Tables(TableBucketARN)
        case icebergREST(IcebergRESTConfig)
    }

    public var type: ConnectorType
    public var plan: Plan
    /// nil only for an Iceberg REST catalog.
    public var auth: AWSAuthConfig?
    public var region: String
    public var endpointURL: HTTPEndpoint?
    public var rootCertificatesPEM: String?
    /// Things worth saying that do not stop the ping (recorded as a warning step).
    public var notes: [String] = []
    /// s3/delta: the key prefix the pipeline writes under (extension `prefix`; "" for the bucket's root).
    public var prefix = ""
    /// s3/delta: `writeTest: true`, put and delete one empty object `<prefix>preflight_<uuid>`.
    public var writeTest = false

    /// Validates every key the type uses; throws a 400 naming the key, never quoting a secret.
    public init(payload: ConnectorPayload) throws(InvalidConfig) {
        let config = payload.sharedConfig
        type = payload.type
        if let text = try config.string("endpointURL") {
            endpointURL = try HTTPEndpoint.parse(text, key: "endpointURL")
        }
        if let pem = try config.string("sslRootCert") {
            guard pem.contains("-----BEGIN CERTIFICATE-----") else {
                throw InvalidConfig("sharedConfig.sslRootCert must be PEM text containing -----BEGIN CERTIFICATE-----")
            }
            rootCertificatesPEM = pem
        }
        let strict = endpointURL == nil
        switch payload.type {
        case .s3, .delta:
            // Delta Lake tables live in S3 buckets: the same keys, the same read-only calls.
            guard let regionText = try config.string("awsRegion") else {
                throw InvalidConfig(
                    "sharedConfig.awsRegion is required for \(type.rawValue) (the region of your buckets, e.g. us-east-1)"
                )
            }
            region = try AWSNames.region(regionText, key: "sharedConfig.awsRegion")
            auth = try AWSAuthConfig.from(config, type: type, strictKeyShape: strict)
            var bucket = try config.string("bucket")?.trimmingCharacters(in: .whitespaces)
            if let name = bucket {
                if name.hasPrefix("s3://") {
                    bucket = String(name.dropFirst(5)).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
                }
                try Self.validateBucket(bucket ?? "")
            }
            plan = .s3(bucket: bucket)
            prefix = try Self.objectPrefix(config.string("prefix"))
            writeTest = try config.bool("writeTest") ?? false
        case .dynamodb:
            guard let text = try config.string("streamsArn") else {
                throw InvalidConfig(
                    "sharedConfig.streamsArn is required for dynamodb (the table's stream ARN, arn:aws:dynamodb:REGION:ACCOUNT:table/TABLE/stream/LABEL)"
                )
            }
            let stream = try StreamARN.parse(text, key: "sharedConfig.streamsArn")
            region = stream.region
            if let other = try config.string("awsRegion"), other.trimmingCharacters(in: .whitespaces) != stream.region {
                notes.append(
                    "sharedConfig.awsRegion (\(other.prefix(30))) differs from the stream's region \(stream.region); the stream's region is used"
                )
            }
            auth = try AWSAuthConfig.from(config, type: type, strictKeyShape: strict)
            plan = .dynamodb(stream)
        case .iceberg:
            let provider = try config.string("provider")?.trimmingCharacters(in: .whitespaces).lowercased()
            switch provider {
            case "s3tables", "s3_tables", "s3-tables":
                guard let text = try config.string("bucketARN") else {
                    throw InvalidConfig(
                        "sharedConfig.bucketARN is required for iceberg with provider \"s3tables\" (arn:aws:s3tables:REGION:ACCOUNT:bucket/NAME)"
                    )
                }
                let bucket = try TableBucketARN.parse(text, key: "sharedConfig.bucketARN")
                if let regionText = try config.string("region") {
                    let given = try AWSNames.region(regionText, key: "sharedConfig.region")
                    guard given == bucket.region else {
                        throw InvalidConfig(
                            "sharedConfig.region is \(given) but sharedConfig.bucketARN is in \(bucket.region); they must agree"
                        )
                    }
                }
                region = bucket.region
                auth = try AWSAuthConfig.from(config, type: type, strictKeyShape: strict)
                plan = .s3Tables(bucket)
            case "rest":
                region = ""
                plan = .icebergREST(try IcebergRESTConfig.from(config))
            case nil:
                throw InvalidConfig("sharedConfig.provider is required for iceberg: \"s3tables\" or \"rest\"")
            case .some(let other):
                throw InvalidConfig(
                    "sharedConfig.provider \"\(other.prefix(30))\" is not supported for iceberg: use \"s3tables\" or \"rest\""
                )
            }
        default:
            throw InvalidConfig("\(payload.type.rawValue) is not an AWS connector type")
        }
        if let key = auth?.credentials?.accessKeyID, strict, !AWSNames.looksIssued(key) {
            notes.append(
                "sharedConfig.awsAccessKeyID does not start with AKIA or ASIA followed by 16 characters, the shape of the keys AWS issues today"
            )
        }
    }

    /// The `prefix` key as an object key prefix: no leading slash, a trailing one added ("data" is the
    /// folder `data/`), at most 900 bytes (S3 keys are at most 1024).
    static func objectPrefix(_ raw: String?) throws(InvalidConfig) -> String {
        let trimmed = (raw ?? "").trimmingCharacters(in: .whitespaces)
        var prefix = String(trimmed.drop { $0 == "/" })
        guard !prefix.isEmpty else { return "" }
        guard prefix.utf8.count <= 900, !prefix.contains(where: { $0.isNewline || $0 == "\0" }) else {
            throw InvalidConfig("sharedConfig.prefix must be an object key prefix of at most 900 bytes on one line")
        }
        if !prefix.hasSuffix("/") { prefix += "/" }
        return prefix
    }

    /// S3 bucket names: 3 to 63 characters, letters, digits, dots and hyphens (and, for old
    /// us-east-1 buckets, upper case and underscores); no slashes, no scheme.
    static func validateBucket(_ name: String) throws(InvalidConfig) {
        guard !name.contains("/") else {
            throw InvalidConfig("sharedConfig.bucket must be a bucket name alone, without a path or s3:// prefix")
        }
        guard (3...255).contains(name.count),
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-_".contains($0)) })
        else {
            throw InvalidConfig(
                "sharedConfig.bucket must be 3 to 63 characters of lower-case letters, digits, dots and hyphens")
        }
    }
}
