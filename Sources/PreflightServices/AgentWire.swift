public import Foundation
public import PreflightCore

/// What travels between the control plane and its agents (`POST /agent/v1/poll` and
/// `POST /agent/v1/jobs/{id}/report`). Only ever over an authenticated connection, never logged.
public enum AgentWire {
    /// How often a connected agent counts as having beaten: a long poll refreshes its heartbeat this often.
    public static let heartbeatInterval: Duration = .seconds(5)
    /// An agent is online when its last heartbeat is at most this old (three heartbeats).
    public static let onlineWindow: Duration = .seconds(15)
    /// How long a poll waits for a job before answering 204.
    public static let pollHold: Duration = .seconds(20)
    /// The header carrying the agent's id on every agent request.
    public static let agentIDHeader = "X-Preflight-Agent"
    /// The header carrying the agent's version.
    public static let agentVersionHeader = "X-Preflight-Agent-Version"

    /// A poll's body.
    public struct Poll: Codable, Sendable {
        public var agentID: String
        public var version: String
        /// Where the agent runs (its host name), shown in the listing when the connection's address is unknown.
        public var host: String?

        public init(agentID: String, version: String, host: String?) {
            self.agentID = agentID
            self.version = version
            self.host = host
        }
    }

    /// A saved tunnel, opened for the agent (its private key in the clear: this travels only over the
    /// agent's authenticated connection and is sealed at rest while queued).
    public struct Tunnel: Codable, Sendable {
        public var uuid: UUID
        public var name: String
        public var host: String
        public var port: Int
        public var username: String
        public var publicKey: String
        public var privateKeyRaw: Data
        public var hostKeyFingerprint: String?

        public init(
            uuid: UUID, name: String, host: String, port: Int, username: String, publicKey: String,
            privateKeyRaw: Data, hostKeyFingerprint: String?
        ) {
            self.uuid = uuid
            self.name = name
            self.host = host
            self.port = port
            self.username = username
            self.publicKey = publicKey
            self.privateKeyRaw = privateKeyRaw
            self.hostKeyFingerprint = hostKeyFingerprint
        }
    }

    /// A job as queued (sealed) and as handed to an agent.
    public struct Job: Codable, Sendable {
        public var job: UUID
        public var plane: String
        /// The ping's payload (its `dataPlaneName` removed: the agent runs it on its own engine).
        public var payload: JSONValue
        public var tunnel: Tunnel?
        /// The most seconds the agent may take (the ping's deadline minus transit).
        public var timeoutSeconds: Double

        public init(job: UUID, plane: String, payload: JSONValue, tunnel: Tunnel?, timeoutSeconds: Double) {
            self.job = job
            self.plane = plane
            self.payload = payload
            self.tunnel = tunnel
            self.timeoutSeconds = timeoutSeconds
        }
    }
}

extension ConnectorPayload {
    /// The payload as the JSON object ``ConnectorPayload/decode(_:)`` reads back into an equal value.
    public var jsonValue: JSONValue {
        var fields: [String: JSONValue] = [
            "type": .string(type.rawValue), "sharedConfig": .object(sharedConfig.values),
        ]
        func put(_ key: String, _ value: String?) { if let value { fields[key] = .string(value) } }
        put("sshTunnelUUID", sshTunnelUUID?.uuidString.lowercased())
        put("dataPlaneName", dataPlaneName)
        put("defaultDatabase", defaultDatabase)
        put("environmentUUID", environmentUUID?.uuidString.lowercased())
        put("label", label)
        put("uuid", uuid)
        put("connectionRole", connectionRole)
        put("privateLinkUUID", privateLinkUUID?.uuidString.lowercased())
        put("snapshotPrivateLinkUUID", snapshotPrivateLinkUUID?.uuidString.lowercased())
        if let timeoutSeconds { fields["timeoutSeconds"] = .number(timeoutSeconds) }
        return .object(fields)
    }
}
