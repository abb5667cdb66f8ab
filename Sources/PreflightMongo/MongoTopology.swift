import PreflightCore

/// What a server says about itself in its `hello` (or legacy `isMaster`) reply (MongoDB "Server
/// Discovery and Monitoring" specification).
public struct MongoHello: Sendable, Equatable {
    public var isWritablePrimary: Bool
    public var secondary: Bool
    public var arbiterOnly: Bool
    public var hidden: Bool
    /// A replica-set member that is not yet initiated (`isreplicaset: true`, "RSGhost").
    public var isReplicaSetGhost: Bool
    public var setName: String?
    public var hosts: [String]
    public var passives: [String]
    public var arbiters: [String]
    /// The primary as this member sees it.
    public var primary: String?
    public var me: String?
    /// "isdbgrid" from a mongos.
    public var msg: String?
    public var minWireVersion: Int?
    public var maxWireVersion: Int?
    public var saslSupportedMechs: [String]?
    /// Set by a load balancer in front of mongos.
    public var serviceId: Bool
    public var helloOk: Bool

    public init(_ reply: BSONDocument) {
        isWritablePrimary = (reply["isWritablePrimary"] ?? reply["ismaster"])?.boolValue ?? false
        secondary = reply["secondary"]?.boolValue ?? false
        arbiterOnly = reply["arbiterOnly"]?.boolValue ?? false
        hidden = reply["hidden"]?.boolValue ?? false
        isReplicaSetGhost = reply["isreplicaset"]?.boolValue ?? false
        setName = reply["setName"]?.stringValue
        func strings(_ key: String) -> [String] { reply[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        hosts = strings("hosts")
        passives = strings("passives")
        arbiters = strings("arbiters")
        primary = reply["primary"]?.stringValue
        me = reply["me"]?.stringValue
        msg = reply["msg"]?.stringValue
        minWireVersion = reply["minWireVersion"]?.intValue
        maxWireVersion = reply["maxWireVersion"]?.intValue
        saslSupportedMechs = reply["saslSupportedMechs"]?.arrayValue?.compactMap(\.stringValue)
        serviceId = reply["serviceId"] != nil
        helloOk = reply["helloOk"]?.boolValue ?? false
    }

    public var isMongos: Bool { msg == "isdbgrid" }

    /// PRIMARY, SECONDARY, ARBITER, mongos, standalone, or OTHER for a member in another state.
    public var roleName: String {
        if isMongos { return "mongos" }
        if setName == nil && !isReplicaSetGhost { return "standalone" }
        if isReplicaSetGhost { return "REPLICA SET MEMBER NOT YET INITIATED" }
        if isWritablePrimary { return "PRIMARY" }
        if secondary { return hidden ? "SECONDARY (hidden)" : "SECONDARY" }
        if arbiterOnly { return "ARBITER" }
        return "OTHER (recovering, starting up or rolling back)"
    }

    /// Every member the replica set lists (electable, passive, arbiters), in order, without duplicates.
    public var members: [MongoHostAddress] {
        var seen: [MongoHostAddress] = []
        for text in hosts + passives + arbiters {
            if let address = MongoHostAddress.parse(text), !seen.contains(address) { seen.append(address) }
        }
        return seen
    }

    /// The MongoDB release a wire version belongs to ("wire version 21 (MongoDB 7.0)").
    public static func release(forWireVersion version: Int) -> String? {
        let table: [Int: String] = [
            0: "before 2.6", 2: "2.6", 3: "3.0", 4: "3.2", 5: "3.4", 6: "3.6", 7: "4.0", 8: "4.2", 9: "4.4", 13: "5.0",
            14: "5.1", 15: "5.2", 16: "5.3", 17: "6.0", 18: "6.1", 19: "6.2", 20: "6.3", 21: "7.0", 22: "7.1",
            23: "7.2",
            24: "7.3", 25: "8.0", 26: "8.1", 27: "8.2",
        ]
        if let known = table[version] { return known }
        return version > 27 ? "later than 8.2" : nil
    }
}

/// How the deployment is built, as far as change streams care.
public enum MongoDeployment: Sendable, Equatable {
    case replicaSet(name: String, members: Int)
    case sharded
    case standalone
    case loadBalanced

    public var description: String {
        switch self {
        case .replicaSet(let name, let members): "replica set \"\(name)\" (\(members) member\(members == 1 ? "" : "s"))"
        case .sharded: "sharded cluster (mongos)"
        case .standalone: "standalone server"
        case .loadBalanced: "load-balanced deployment (mongos behind a load balancer)"
        }
    }

    public init(hello: MongoHello, loadBalanced: Bool) {
        if loadBalanced || hello.serviceId {
            self = .loadBalanced
        } else if hello.isMongos {
            self = .sharded
        } else if let name = hello.setName {
            self = .replicaSet(name: name, members: max(1, hello.members.count))
        } else {
            self = .standalone
        }
    }
}

/// The server-selection choices a driver makes after its first `hello`, made here on one reply. Pure.
public enum MongoServerSelection {
    /// What to do with the member that answered.
    public enum Decision: Sendable, Equatable {
        /// Authenticate and check readiness on this member.
        case use
        /// This member is not the primary; the primary is elsewhere.
        case redirect(MongoHostAddress)
    }

    /// Decides, or throws the server-selection failure a driver would report.
    public static func decide(
        hello: MongoHello, at address: MongoHostAddress, replicaSet: String?, directConnection: Bool,
        loadBalanced: Bool,
        product: String
    ) throws(ProbeFailure) -> Decision {
        if loadBalanced { return .use }
        if let wanted = replicaSet {
            if hello.isMongos {
                throw ProbeFailure(
                    .serverUnavailable,
                    "\(address) is a mongos (sharded cluster router), but the connection string asks for replica set \"\(wanted)\"; a driver would find no suitable server",
                    hint:
                        "remove replicaSet=\(wanted) from the connection string: a sharded cluster is reached through mongos without it",
                    transient: false)
            }
            guard let actual = hello.setName else {
                throw ProbeFailure(
                    .serverUnavailable,
                    "\(address) is a \(hello.isReplicaSetGhost ? "replica-set member that is not initiated" : "standalone server"), not a member of replica set \"\(wanted)\" as the connection string's replicaSet says; a driver would find no suitable server",
                    hint: hello.isReplicaSetGhost
                        ? "run rs.initiate() on the server"
                        : "remove replicaSet=\(wanted) from the connection string, or convert the server to a replica set",
                    transient: false)
            }
            guard actual == wanted else {
                throw ProbeFailure(
                    .serverUnavailable,
                    "\(address) belongs to replica set \"\(actual)\", not \"\(wanted)\" as the connection string's replicaSet says; a driver would ignore it and find no suitable server",
                    hint: "set replicaSet=\(actual) in the connection string (the name is case-sensitive)",
                    transient: false)
            }
        }
        if directConnection || hello.isMongos || (hello.setName == nil && !hello.isReplicaSetGhost) {
            return .use
        }
        if hello.isReplicaSetGhost {
            throw ProbeFailure(
                .serverUnavailable,
                "\(address) is a replica-set member that has not been initiated, so the set has no primary",
                hint: "run rs.initiate() on it (or add directConnection=true to talk to it alone)", transient: true)
        }
        if hello.isWritablePrimary { return .use }
        let setName = hello.setName ?? "?"
        if let primaryText = hello.primary, let primary = MongoHostAddress.parse(primaryText), primary != address {
            return .redirect(primary)
        }
        throw ProbeFailure(
            .serverUnavailable,
            "replica set \"\(setName)\" has no primary right now: \(address) is \(hello.roleName) and knows no primary (members: \(hello.members.map(\.description).joined(separator: ", ")))",
            hint:
                "an election may be in progress (try again in a minute); if it persists, a majority of the members is down or unreachable from each other. directConnection=true reads from this member alone",
            transient: true)
    }
}

/// One member's state as the topology step reports it.
public struct MongoMemberState: Sendable, Equatable {
    public var address: MongoHostAddress
    /// PRIMARY, SECONDARY, ARBITER..., or why it could not be asked.
    public var state: String
    /// Whether the member answered `hello`.
    public var reachable: Bool
    /// A set name different from the primary's (a stray host in the list).
    public var otherSetName: String?

    public init(address: MongoHostAddress, state: String, reachable: Bool, otherSetName: String? = nil) {
        self.address = address
        self.state = state
        self.reachable = reachable
        self.otherSetName = otherSetName
    }

    /// "a:27017 PRIMARY, b:27017 SECONDARY, c:27017 unreachable (refused)"
    public static func summary(_ members: [MongoMemberState]) -> String {
        members.map { member in
            var text = "\(member.address) \(member.state)"
            if let other = member.otherSetName { text += " (in replica set \"\(other)\")" }
            return text
        }.joined(separator: ", ")
    }
}
