import PreflightCore
import PreflightHTTP

/// Who the ping signed in as, from `GET /api/2.0/preview/scim/v2/Me`: the user name (an email, or a
/// service principal's application id) and the groups it belongs to directly.
public struct DatabricksIdentity: Sendable, Equatable {
    public var userName: String
    public var groups: [String]

    public init(userName: String, groups: [String]) {
        self.userName = userName
        self.groups = groups
    }

    /// Every principal whose grants reach this identity without expanding nested groups: itself, its
    /// direct groups and `account users` (every user of the account).
    public var holders: [String] { [userName] + groups + ["account users"] }

    /// Reads the SCIM answer; nil when it has no `userName`. Names are quoted by ``PeerText`` with the
    /// secrets `redactor` knows removed (a peer may echo the token anywhere).
    public static func parse(_ json: JSONValue?, redactor: Redactor) -> DatabricksIdentity? {
        guard let name = json?["userName"]?.stringValue, !name.isEmpty else { return nil }
        let groups = (json?["groups"]?.arrayValue ?? []).compactMap { $0["display"]?.stringValue }
            .filter { !$0.isEmpty }.prefix(200)
        return DatabricksIdentity(
            userName: PeerText.quote(name, redactor: redactor, limit: 255),
            groups: groups.map { PeerText.quote($0, redactor: redactor, limit: 255) })
    }
}

/// What Unity Catalog's effective permissions say: principal → privileges (`USE_CATALOG`,
/// `WRITE_VOLUME`, ...), inherited ones included.
public struct DatabricksEffectiveGrants: Sendable, Equatable {
    public var privileges: [String: Set<String>]

    public init(_ privileges: [String: Set<String>] = [:]) {
        self.privileges = privileges
    }

    /// Adds a page of `GET /api/2.1/unity-catalog/effective-permissions/...`
    /// (`{"privilege_assignments": [{"principal", "privileges": [{"privilege", "inherited_from_type", ...}]}]}`).
    /// False when the page is not that shape.
    public mutating func add(page json: JSONValue?) -> Bool {
        guard let json, json.objectValue != nil else { return false }
        for assignment in json["privilege_assignments"]?.arrayValue ?? [] {
            guard let principal = assignment["principal"]?.stringValue, !principal.isEmpty else { continue }
            let names = (assignment["privileges"]?.arrayValue ?? []).compactMap {
                ($0["privilege"]?.stringValue ?? $0.stringValue)?.uppercased()
            }
            privileges[principal.lowercased(), default: []].formUnion(names)
        }
        return true
    }

    /// The union of what `holders` were granted (principal names compare without case).
    public func held(by holders: [String]) -> Set<String> {
        holders.reduce(into: Set<String>()) { $0.formUnion(privileges[$1.lowercased()] ?? []) }
    }
}

/// A securable a Databricks destination writes to.
public enum DatabricksSecurable: Sendable, Equatable, CustomStringConvertible {
    /// The staging volume: USE CATALOG, USE SCHEMA, READ VOLUME, WRITE VOLUME.
    case volume(DatabricksVolume)
    /// The schema tables are created in: USE CATALOG, USE SCHEMA, CREATE TABLE.
    case schema(catalog: String, schema: String)

    /// The path segment of the grants APIs.
    public var apiType: String {
        switch self {
        case .volume: "volume"
        case .schema: "schema"
        }
    }

    /// `catalog.schema.volume` or `catalog.schema`.
    public var fullName: String {
        switch self {
        case .volume(let volume): volume.fullName
        case .schema(let catalog, let schema): "\(catalog).\(schema)"
        }
    }

    public var catalog: String {
        switch self {
        case .volume(let volume): volume.catalog
        case .schema(let catalog, _): catalog
        }
    }

    /// "volume main.raw.files"
    public var description: String { "\(apiType) \(fullName)" }

    /// The readiness check's name.
    public var checkName: String {
        switch self {
        case .volume: "volume_write"
        case .schema: "schema_create_table"
        }
    }

    /// What the pipeline needs, in the API's spelling.
    public var required: [String] {
        switch self {
        case .volume: ["USE_CATALOG", "USE_SCHEMA", "READ_VOLUME", "WRITE_VOLUME"]
        case .schema: ["USE_CATALOG", "USE_SCHEMA", "CREATE_TABLE"]
        }
    }

    /// What the securable's owner holds without a grant (everything on it, not USE CATALOG).
    var ownerHolds: Set<String> {
        switch self {
        case .volume: ["READ_VOLUME", "WRITE_VOLUME"]
        case .schema: ["USE_SCHEMA", "CREATE_TABLE"]
        }
    }

    /// The object a privilege is granted on, quoted for SQL: `CATALOG \`main\``.
    func grantObject(for privilege: String) -> String {
        let parts = fullName.split(separator: ".").map { DatabricksDestinationReadiness.quoted(String($0)) }
        switch privilege {
        case "USE_CATALOG": return "CATALOG \(parts[0])"
        case "USE_SCHEMA", "CREATE_TABLE": return "SCHEMA \(parts[0]).\(parts[1])"
        default: return "VOLUME \(parts.joined(separator: "."))"
        }
    }
}

/// What the readiness step learned about one securable.
public struct DatabricksGrantObservation: Sendable, Equatable {
    public var securable: DatabricksSecurable
    /// Nil when SCIM `Me` did not say who the ping is.
    public var identity: DatabricksIdentity?
    /// Nil when the effective permissions could not be read; `error` says why.
    public var grants: DatabricksEffectiveGrants?
    public var error: String?
    /// The securable's owner, when known.
    public var owner: String?

    public init(
        securable: DatabricksSecurable, identity: DatabricksIdentity?, grants: DatabricksEffectiveGrants?,
        error: String? = nil, owner: String? = nil
    ) {
        self.securable = securable
        self.identity = identity
        self.grants = grants
        self.error = error
        self.owner = owner
    }
}

/// Unity Catalog grants to readiness checks: `volume_write` (the staging volume) and
/// `schema_create_table` (the target schema), each with the GRANT statements that fix it. Pure.
///
/// A privilege counts when it is granted to the principal, to one of its direct groups or to
/// `account users`, directly or inherited from the catalog or schema; `ALL_PRIVILEGES` counts for
/// all; the securable's owner holds everything on it. Groups nested inside groups are not expanded.
public enum DatabricksDestinationReadiness {
    /// "USE_CATALOG" → "USE CATALOG"
    public static func spoken(_ privilege: String) -> String {
        privilege.replacingOccurrences(of: "_", with: " ")
    }

    public static func check(_ seen: DatabricksGrantObservation) -> ReadinessCheck {
        let securable = seen.securable
        let required = securable.required.map(spoken).joined(separator: ", ") + " on \(securable)"
        guard let identity = seen.identity else {
            return ReadinessCheck(
                name: securable.checkName, status: .warning,
                observed: "unproven: the workspace did not say who this principal is (SCIM Me)",
                required: required,
                detail: "without the principal's name its grants cannot be read",
                fix:
                    "run SHOW GRANTS ON \(securable.apiType.uppercased()) \(quotedPath(securable.fullName)) in a SQL editor as this principal"
            )
        }
        let who = quoted(identity.userName)
        guard let grants = seen.grants else {
            return ReadinessCheck(
                name: securable.checkName, status: .warning,
                observed: "unproven: the grants on \(securable) could not be read (\(seen.error ?? "no answer"))",
                required: required,
                detail: "Unity Catalog's effective permissions were not readable by \(identity.userName)",
                fix:
                    "run SHOW GRANTS \(who) ON \(securable.apiType.uppercased()) \(quotedPath(securable.fullName)) in a SQL editor, or run "
                    + grantStatements(securable.required, on: securable, to: identity.userName))
        }
        let holders = identity.holders
        var held = grants.held(by: holders)
        let owns = seen.owner.map { owner in holders.contains { $0.lowercased() == owner.lowercased() } } ?? false
        if owns { held.formUnion(securable.ownerHolds) }
        let all = held.contains("ALL_PRIVILEGES")
        let missing = all ? [] : securable.required.filter { !held.contains($0) }
        let through =
            identity.groups.isEmpty
            ? identity.userName : "\(identity.userName) (with its groups \(identity.groups.joined(separator: ", ")))"
        let present = securable.required.filter { all || held.contains($0) }.map(spoken)
        if missing.isEmpty {
            return ReadinessCheck(
                name: securable.checkName, status: .passed,
                observed: (all ? "ALL PRIVILEGES" : present.joined(separator: ", ")) + (owns ? " (owner)" : "")
                    + " for \(through)",
                required: required)
        }
        return ReadinessCheck(
            name: securable.checkName, status: .failed,
            observed: "\(missing.map(spoken).joined(separator: ", ")) missing for \(through)"
                + (present.isEmpty ? "" : "; has \(present.joined(separator: ", "))"),
            required: required,
            detail:
                "Unity Catalog's effective permissions on \(securable), inherited grants from the catalog and schema included; groups nested inside \(identity.userName)'s groups are not expanded",
            fix: grantStatements(missing, on: securable, to: identity.userName))
    }

    /// `GRANT USE CATALOG ON CATALOG \`main\` TO \`user\`; ...`
    static func grantStatements(_ privileges: [String], on securable: DatabricksSecurable, to principal: String)
        -> String
    {
        var byObject: [(object: String, privileges: [String])] = []
        for privilege in privileges {
            let object = securable.grantObject(for: privilege)
            if let index = byObject.firstIndex(where: { $0.object == object }) {
                byObject[index].privileges.append(spoken(privilege))
            } else {
                byObject.append((object, [spoken(privilege)]))
            }
        }
        return byObject.map {
            "GRANT \($0.privileges.joined(separator: ", ")) ON \($0.object) TO \(quoted(principal));"
        }.joined(separator: " ")
    }

    /// A principal's name in backquotes.
    static func quoted(_ name: String) -> String {
        "`" + name.replacingOccurrences(of: "`", with: "``") + "`"
    }

    /// `catalog.schema[.volume]` with each part in backquotes.
    static func quotedPath(_ fullName: String) -> String {
        fullName.split(separator: ".").map { quoted(String($0)) }.joined(separator: ".")
    }

    /// When no volume or schema is named: nothing to ask about, said as a warning.
    public static func nothingNamed() -> ReadinessCheck {
        ReadinessCheck(
            name: "write_permissions", status: .warning, observed: "not checked: no volume or schema named",
            required:
                "USE CATALOG, USE SCHEMA, READ VOLUME, WRITE VOLUME on the staging volume; CREATE TABLE on the schema",
            detail: "without a volume or schema there is nothing to ask Unity Catalog about",
            fix:
                "set sharedConfig.volume (catalog.schema.volume) and sharedConfig.schema (catalog.schema) to check them"
        )
    }
}
