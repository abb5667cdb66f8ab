import PreflightCore
import PreflightHTTP

/// What a Databricks ping needs, read from a `databricks` payload.
///
/// Keys (Artie's): `host` (workspace host or https URL, may carry a port: it is also the override for
/// tests), `httpPath` (see `DatabricksCompute`), `personalAccessToken` or `clientID` + `clientSecret`
/// (OAuth M2M for a service principal): exactly one of the two; `volume` (optional,
/// `catalog.schema.volume`). Preflight's extension keys: `sslRootCert` (PEM CA bundle), `schema`
/// (`catalog.schema`, where tables are created) and `writeTest`.
public struct DatabricksConfig: Sendable {
    /// How the ping authenticates.
    public enum Authentication: Sendable, Equatable {
        case personalAccessToken(String)
        case oauthM2M(clientID: String, clientSecret: String)
    }

    public var endpoint: HTTPEndpoint
    public var compute: DatabricksCompute
    public var authentication: Authentication
    public var volume: DatabricksVolume?
    /// Preflight's extension `schema` (`catalog.schema`): where the destination creates its tables.
    public var schema: DatabricksSecurable?
    /// Preflight's extension `writeTest: true`: put and delete one empty file in the volume.
    public var writeTest = false
    public var rootCertificatesPEM: String?

    /// Validates `payload`; every failure names the key and never repeats a secret.
    public init(payload: ConnectorPayload) throws(InvalidConfig) {
        let config = payload.sharedConfig
        guard let host = try config.string("host") else {
            throw InvalidConfig(
                "sharedConfig.host is required for databricks (the workspace host, e.g. adb-1234567890123456.7.azuredatabricks.net)"
            )
        }
        let parsed = try HTTPEndpoint.parse(host, key: "host")
        // Databricks' APIs live at the root; a pasted workspace URL's path (/?o=..., /browse) is not a base path.
        endpoint = HTTPEndpoint(isTLS: parsed.isTLS, host: parsed.host, port: parsed.port)
        guard let path = try config.string("httpPath") else {
            throw InvalidConfig("sharedConfig.httpPath is required for databricks: \(DatabricksCompute.examples)")
        }
        compute = try DatabricksCompute.parse(path)

        let token = try Self.headerSecret(config, "personalAccessToken")
        let clientID = try config.string("clientID")?.trimmingCharacters(in: .whitespacesAndNewlines)
        let clientSecret = try Self.headerSecret(config, "clientSecret")
        switch (token, clientID, clientSecret) {
        case (.some, .some, _), (.some, _, .some):
            throw InvalidConfig(
                "give either sharedConfig.personalAccessToken or sharedConfig.clientID + sharedConfig.clientSecret for databricks, not both"
            )
        case (.some(let token), nil, nil):
            authentication = .personalAccessToken(token)
        case (nil, .some(let id), .some(let secret)):
            guard id.count <= 255, !id.contains(where: { $0.isWhitespace || $0 == ":" }),
                !id.containsControlCharacter
            else {
                throw InvalidConfig(
                    "sharedConfig.clientID must be the service principal's application id (a UUID), without spaces or ':'"
                )
            }
            authentication = .oauthM2M(clientID: id, clientSecret: secret)
        case (nil, .some, nil):
            throw InvalidConfig(
                "sharedConfig.clientID is set without sharedConfig.clientSecret; OAuth M2M needs both (or use sharedConfig.personalAccessToken)"
            )
        case (nil, nil, .some):
            throw InvalidConfig(
                "sharedConfig.clientSecret is set without sharedConfig.clientID; OAuth M2M needs both (or use sharedConfig.personalAccessToken)"
            )
        case (nil, nil, nil):
            throw InvalidConfig(
                "databricks needs one way to sign in: sharedConfig.personalAccessToken, or sharedConfig.clientID + sharedConfig.clientSecret (OAuth M2M)"
            )
        }
        if let name = try config.string("volume") {
            volume = try DatabricksVolume.parse(name)
        }
        if let name = try config.string("schema") {
            schema = try DatabricksSecurable.parseSchema(name)
        }
        writeTest = try config.bool("writeTest") ?? false
        if let pem = try config.string("sslRootCert") {
            guard pem.contains("-----BEGIN CERTIFICATE-----") else {
                throw InvalidConfig("sharedConfig.sslRootCert must be PEM text containing -----BEGIN CERTIFICATE-----")
            }
            rootCertificatesPEM = pem
        }
    }

    /// A secret that goes into a header: no spaces or control characters inside, at most 4 KiB.
    static func headerSecret(_ config: SharedConfig, _ key: String) throws(InvalidConfig) -> String? {
        guard let raw = try config.secret(key) else { return nil }
        let value = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { return nil }
        guard value.utf8.count <= 4096, !value.contains(where: { $0.isWhitespace }),
            !value.containsControlCharacter
        else {
            throw InvalidConfig(
                "sharedConfig.\(key) must be one token without spaces, line breaks or control characters (at most 4 KiB)"
            )
        }
        return value
    }

    /// Whether the ping signs in with OAuth M2M.
    public var usesOAuth: Bool {
        if case .oauthM2M = authentication { return true }
        return false
    }
}

/// A Unity Catalog volume, `catalog.schema.volume`. Pure.
public struct DatabricksVolume: Sendable, Equatable {
    public var catalog: String
    public var schema: String
    public var name: String

    /// "catalog.schema.volume"
    public var fullName: String { "\(catalog).\(schema).\(name)" }

    /// Parses `catalog.schema.volume` (backquoted parts allowed: `` `my-catalog`.raw.files ``).
    public static func parse(_ raw: String, key: String = "volume") throws(InvalidConfig) -> DatabricksVolume {
        let parts = try names(raw, count: 3, key: key, shape: "catalog.schema.volume")
        return DatabricksVolume(catalog: parts[0], schema: parts[1], name: parts[2])
    }
}

extension DatabricksVolume {
    /// Splits a dotted Unity Catalog name into `count` parts (each may be in backquotes), or says why not.
    static func names(_ raw: String, count: Int, key: String, shape: String) throws(InvalidConfig) -> [String] {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map { part -> String in
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            return trimmed.count >= 2 && trimmed.hasPrefix("`") && trimmed.hasSuffix("`")
                ? String(trimmed.dropFirst().dropLast()) : trimmed
        }
        guard parts.count == count, parts.allSatisfy({ !$0.isEmpty && $0.count <= 255 }) else {
            throw InvalidConfig(
                "sharedConfig.\(key) must be \(shape) (\(count == 3 ? "three" : "two") names separated by dots)")
        }
        guard
            parts.allSatisfy({ part in
                !part.contains("/") && !part.contains("`")
                    && !part.containsControlCharacter
            })
        else {
            throw InvalidConfig(
                "sharedConfig.\(key) has a name with '/', '`' or a control character; expected \(shape)")
        }
        return parts
    }
}

extension DatabricksSecurable {
    /// Parses `catalog.schema` (backquoted parts allowed) into a schema securable.
    public static func parseSchema(_ raw: String, key: String = "schema") throws(InvalidConfig) -> DatabricksSecurable {
        let parts = try DatabricksVolume.names(raw, count: 2, key: key, shape: "catalog.schema")
        return .schema(catalog: parts[0], schema: parts[1])
    }
}
