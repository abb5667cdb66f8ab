import Foundation

/// The body of `POST /connectors/ping` (Artie's `PayloadsConnectorPayload`), validated.
///
/// Unknown top-level fields are ignored (Artie's MCP client posts a whole saved connector), and so
/// are unknown or empty `sharedConfig` keys (its Terraform client sends every key of every type).
public struct ConnectorPayload: Sendable, Equatable {
    public var type: ConnectorType
    public var sharedConfig: SharedConfig
    public var sshTunnelUUID: UUID?
    public var dataPlaneName: String?
    public var defaultDatabase: String?
    public var environmentUUID: UUID?
    public var label: String?
    public var uuid: String?
    /// `source` makes failed CDC readiness checks fail the ping; `destination` runs the destination
    /// readiness checks instead (where a probe has them), whose failures fail the ping as `permission`;
    /// without a role CDC checks are warnings.
    public var connectionRole: String?
    public var privateLinkUUID: UUID?
    public var snapshotPrivateLinkUUID: UUID?
    /// Preflight's extension: a deadline shorter than the server's (never longer).
    public var timeoutSeconds: Double?

    public init(
        type: ConnectorType,
        sharedConfig: SharedConfig = SharedConfig(),
        sshTunnelUUID: UUID? = nil,
        dataPlaneName: String? = nil,
        defaultDatabase: String? = nil,
        environmentUUID: UUID? = nil,
        label: String? = nil,
        uuid: String? = nil,
        connectionRole: String? = nil,
        privateLinkUUID: UUID? = nil,
        snapshotPrivateLinkUUID: UUID? = nil,
        timeoutSeconds: Double? = nil
    ) {
        self.type = type
        self.sharedConfig = sharedConfig
        self.sshTunnelUUID = sshTunnelUUID
        self.dataPlaneName = dataPlaneName
        self.defaultDatabase = defaultDatabase
        self.environmentUUID = environmentUUID
        self.label = label
        self.uuid = uuid
        self.connectionRole = connectionRole
        self.privateLinkUUID = privateLinkUUID
        self.snapshotPrivateLinkUUID = snapshotPrivateLinkUUID
        self.timeoutSeconds = timeoutSeconds
    }

    /// Whether readiness failures must fail the ping: asked with `connectionRole: "source"`, and always
    /// for a type that is only ever a source (a DynamoDB stream that cannot feed a pipeline must not pass).
    public var isSource: Bool { connectionRole?.lowercased() == "source" || type.isSourceOnly }

    /// Whether the destination readiness checks run and decide the ping: asked with
    /// `connectionRole: "destination"`, and always for a type that is only ever a destination.
    public var isDestination: Bool { connectionRole?.lowercased() == "destination" || type.isDestinationOnly }

    /// Decodes and validates a JSON body. Every failure names the field and what is wrong, and never
    /// repeats a value that could be a secret.
    public static func decode(json data: Data) throws(InvalidConfig) -> ConnectorPayload {
        let value: JSONValue
        do {
            value = try JSONReader.read(data)
        } catch  where error.isTooDeep {
            throw InvalidConfig(
                "the request body nests arrays or objects deeper than \(JSONNesting.maximumDepth) levels")
        } catch {
            throw InvalidConfig("the request body is not valid JSON (near byte \(error.offset): \(error.reason))")
        }
        return try decode(value)
    }

    /// Validates an already parsed JSON value.
    public static func decode(_ value: JSONValue) throws(InvalidConfig) -> ConnectorPayload {
        guard case .object(let fields) = value else {
            throw InvalidConfig("the request body must be a JSON object, not \(value.kindDescription)")
        }
        guard let rawType = fields["type"], rawType != .null else {
            throw InvalidConfig("type is required; supported types: \(ConnectorType.allSlugs.joined(separator: ", "))")
        }
        guard let typeName = rawType.stringValue else {
            throw InvalidConfig("type must be a string, not \(rawType.kindDescription)")
        }
        guard let type = ConnectorType(rawValue: typeName.trimmed(newlines: false).lowercased()) else {
            let shown = typeName.count > 40 ? String(typeName.prefix(40)) + "..." : typeName
            let suggestion = ConnectorType.nearest(to: typeName).map { " (did you mean \($0.rawValue)?)" } ?? ""
            throw InvalidConfig(
                "unknown connector type \"\(shown)\"\(suggestion); supported types: \(ConnectorType.allSlugs.joined(separator: ", "))"
            )
        }
        var payload = ConnectorPayload(type: type)
        switch fields["sharedConfig"] ?? .null {
        case .null: break
        case .object(let config):
            let secretKeys = config.keys.filter(Redactor.isSecretKey).count
            guard secretKeys <= Redactor.maximumSecretKeys else {
                throw InvalidConfig(
                    "sharedConfig has \(secretKeys) secret keys (password, token, ...); at most \(Redactor.maximumSecretKeys) are accepted"
                )
            }
            payload.sharedConfig = SharedConfig(config)
        case let other: throw InvalidConfig("sharedConfig must be an object, not \(other.kindDescription)")
        }
        payload.sshTunnelUUID = try uuidField("sshTunnelUUID", fields)
        payload.environmentUUID = try uuidField("environmentUUID", fields)
        payload.privateLinkUUID = try uuidField("privateLinkUUID", fields)
        payload.snapshotPrivateLinkUUID = try uuidField("snapshotPrivateLinkUUID", fields)
        payload.dataPlaneName = try stringField("dataPlaneName", fields)
        payload.defaultDatabase = try stringField("defaultDatabase", fields)
        payload.label = try stringField("label", fields)
        payload.uuid = try stringField("uuid", fields)
        payload.connectionRole = try stringField("connectionRole", fields)
        if let role = payload.connectionRole?.trimmed(newlines: false).lowercased() {
            guard role == "source" || role == "destination" else {
                throw InvalidConfig("connectionRole must be source or destination")
            }
            payload.connectionRole = role
        }
        switch fields["timeoutSeconds"] ?? .null {
        case .null: break
        case .number(let seconds) where seconds >= 0.1 && seconds.isFinite: payload.timeoutSeconds = seconds
        case .number: throw InvalidConfig("timeoutSeconds must be a number of seconds, at least 0.1")
        case let other: throw InvalidConfig("timeoutSeconds must be a number, not \(other.kindDescription)")
        }
        return payload
    }

    private static func stringField(_ name: String, _ fields: [String: JSONValue]) throws(InvalidConfig) -> String? {
        switch fields[name] ?? .null {
        case .null: return nil
        case .string(let value):
            if value.containsControlCharacter {
                throw InvalidConfig("\(name) contains a control character (a line break, tab or NUL); remove it")
            }
            return value.isEmpty ? nil : value
        case let other: throw InvalidConfig("\(name) must be a string, not \(other.kindDescription)")
        }
    }

    private static func uuidField(_ name: String, _ fields: [String: JSONValue]) throws(InvalidConfig) -> UUID? {
        guard let text = try stringField(name, fields) else { return nil }
        guard let uuid = UUID(uuidString: text) else {
            throw InvalidConfig("\(name) must be a UUID such as 3f2b8c1e-5d4a-4e6b-9c7d-1a2b3c4d5e6f")
        }
        return uuid
    }
}
