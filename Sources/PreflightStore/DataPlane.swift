import Foundation

/// A company's data plane: a network where pings run on the company's own agents instead of on the
/// service. The agents authenticate with the plane's token, of which only a hash is stored.
public struct DataPlaneRecord: Sendable, Equatable {
    /// The plane's identifier.
    public var uuid: UUID
    /// The company owning the plane.
    public var companyUUID: UUID
    /// The plane's name, unique within its company (what a payload's `dataPlaneName` says).
    public var name: String
    /// The first 12 characters of the current agent token, for display (`ardp_AbCdEfG`).
    public var tokenPrefix: String
    /// When the plane was created (millisecond precision).
    public var createdAt: Date
    /// When the token was last issued (at creation, then at each rotation).
    public var tokenIssuedAt: Date

    public init(uuid: UUID, companyUUID: UUID, name: String, tokenPrefix: String, createdAt: Date, tokenIssuedAt: Date)
    {
        self.uuid = uuid
        self.companyUUID = companyUUID
        self.name = name
        self.tokenPrefix = tokenPrefix
        self.createdAt = createdAt
        self.tokenIssuedAt = tokenIssuedAt
    }
}

/// A plane with a freshly issued agent token: the only time the token exists outside the agent.
public struct IssuedPlaneToken: Sendable {
    public var plane: DataPlaneRecord
    /// `ardp_` + 40 URL-safe characters. Show it once.
    public var token: String
}

/// One agent of a plane as its heartbeats describe it.
public struct AgentRecord: Sendable, Equatable {
    public var planeUUID: UUID
    /// The id the agent gave itself (host name and a random suffix unless set).
    public var agentID: String
    /// The agent's Preflight version.
    public var version: String
    /// The address its last heartbeat came from, when known.
    public var address: String?
    public var firstSeenAt: Date
    public var lastHeartbeatAt: Date
    /// How many pings it has answered.
    public var pingsServed: Int

    public init(
        planeUUID: UUID, agentID: String, version: String, address: String?, firstSeenAt: Date, lastHeartbeatAt: Date,
        pingsServed: Int
    ) {
        self.planeUUID = planeUUID
        self.agentID = agentID
        self.version = version
        self.address = address
        self.firstSeenAt = firstSeenAt
        self.lastHeartbeatAt = lastHeartbeatAt
        self.pingsServed = pingsServed
    }
}

/// A ping queued for a plane's agents. Payload and report are opaque to the store: the caller seals
/// them (``SecretSealer``) before they are written.
public struct PlaneJob: Sendable, Equatable {
    /// Where a job stands.
    public enum State: String, Sendable {
        case queued, claimed, answered
    }

    public var uuid: UUID
    public var companyUUID: UUID
    public var planeUUID: UUID
    /// The sealed payload (config, and a saved tunnel's private key).
    public var sealedPayload: Data
    public var state: State
    /// The agent that claimed it.
    public var claimedBy: String?
    /// After this instant no agent may claim it.
    public var deadline: Date
    /// The sealed report, once answered.
    public var sealedReport: Data?

    public init(
        uuid: UUID = UUID(), companyUUID: UUID, planeUUID: UUID, sealedPayload: Data, state: State = .queued,
        claimedBy: String? = nil, deadline: Date, sealedReport: Data? = nil
    ) {
        self.uuid = uuid
        self.companyUUID = companyUUID
        self.planeUUID = planeUUID
        self.sealedPayload = sealedPayload
        self.state = state
        self.claimedBy = claimedBy
        self.deadline = deadline
        self.sealedReport = sealedReport
    }
}

/// Agent tokens: `ardp_` + 40 URL-safe random characters, hashed like API keys (SHA-256), never stored.
public enum PlaneToken {
    public static let scheme = "ardp_"

    /// A new random token.
    public static func generate() -> String {
        scheme + APIKeyGenerator.generate().dropFirst(APIKeyGenerator.scheme.count)
    }

    /// Whether `token` has the shape of an agent token.
    public static func isWellFormed(_ token: String) -> Bool {
        guard token.hasPrefix(scheme) else { return false }
        return APIKeyGenerator.isWellFormed(APIKeyGenerator.scheme + token.dropFirst(scheme.count))
    }

    /// The token's SHA-256 (lowercase hex), as stored.
    public static func hash(_ token: String) -> String { APIKeyGenerator.hash(token) }
}

/// Plane names: what the store accepts.
public enum PlaneName {
    /// 1 to 63 of `A-Z a-z 0-9 . _ -`, starting with a letter or digit.
    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...63).contains(bytes.count), isAlphanumeric(bytes[0]) else { return false }
        return bytes.allSatisfy {
            isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
        }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}

extension PlaneJob: CustomStringConvertible {
    /// Never the payload or report (even sealed), only their sizes.
    public var description: String {
        "PlaneJob(uuid: \(StoreUUID.text(uuid)), plane: \(StoreUUID.text(planeUUID)), state: \(state.rawValue), "
            + "payload: \(sealedPayload.count) bytes)"
    }
}
