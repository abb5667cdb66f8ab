public import Foundation
public import PreflightCore
public import PreflightStore

/// Data planes of one company at a time (create, list with their agents, rotate the token, delete,
/// choose the default), the hand-over of a ping to a plane's agents, and the agents' side of it (poll,
/// report). The queue is the store, so any instance sharing the store can queue, hand out or answer.
public struct PlaneService: Sendable {
    public let store: any PreflightStore
    public let sealer: SecretSealer
    /// The service's own plane (`local` by default): pings named for it run here, never on an agent.
    public let servicePlane: String
    public let wakeups: PlaneWakeups
    /// Heartbeats written and planes seen online lately by this instance.
    let presence = AgentPresence()
    /// Each company's default plane, read at most once a second per company.
    let defaults = DefaultPlaneCache()
    /// How long a ping waits for its agent's report past its own deadline (transit).
    public static let reportGrace: Duration = .milliseconds(1500)

    public init(store: any PreflightStore, sealer: SecretSealer, servicePlane: String, wakeups: PlaneWakeups) {
        self.store = store
        self.sealer = sealer
        self.servicePlane = servicePlane
        self.wakeups = wakeups
    }

    /// Wakes this process's waiters when another instance sharing the store queues or answers a job
    /// (PostgreSQL LISTEN/NOTIFY; nothing for SQLite). Call once per process.
    public func listenToOtherInstances() {
        let wakeups = self.wakeups
        store.listenForAnnouncements { key in wakeups.signal(key) }
    }

    // MARK: Management

    /// An agent as the listing shows it.
    public struct AgentStatus: Sendable {
        public let record: AgentRecord
        /// Whether its last heartbeat is within ``AgentWire/onlineWindow``.
        public let online: Bool
        /// Whether it runs another Preflight version than this service.
        public let versionMismatch: Bool
    }

    /// A plane as the listing shows it.
    public struct PlaneStatus: Sendable {
        public let plane: DataPlaneRecord
        public let agents: [AgentStatus]
        public let isDefault: Bool
        public var online: Bool { agents.contains(where: \.online) }
    }

    /// Creates a plane; the token is in the answer only.
    public func create(company: UUID, name: String?) async throws -> IssuedPlaneToken {
        let name = try validName(name)
        do {
            return try await store.createDataPlane(companyUUID: company, name: name)
        } catch let error as StoreError where error.kind == .invalidInput {
            throw PlaneNameTaken(
                message: "a data plane named \(name) already exists in this company (GET /data-planes lists them)")
        }
    }

    /// The company's planes with their agents, and its default plane's name.
    public func list(company: UUID) async throws -> (planes: [PlaneStatus], defaultPlane: String) {
        let defaultPlane = try await store.defaultPlane(for: company) ?? servicePlane
        var planes: [PlaneStatus] = []
        for plane in try await store.dataPlanes(for: company) {
            planes.append(try await status(plane, defaultPlane: defaultPlane))
        }
        return (planes, defaultPlane)
    }

    /// One plane as the listing shows it.
    public func status(_ plane: DataPlaneRecord, defaultPlane: String) async throws -> PlaneStatus {
        let now = Date()
        let agents = try await store.agents(planeUUID: plane.uuid).map { agent in
            AgentStatus(
                record: agent, online: Self.isOnline(agent, now: now),
                versionMismatch: agent.version != PreflightVersion.current)
        }
        return PlaneStatus(plane: plane, agents: agents, isDefault: plane.name == defaultPlane)
    }

    public func plane(named name: String, company: UUID) async throws -> DataPlaneRecord? {
        try await store.dataPlane(named: name, companyUUID: company)
    }

    public func rotateToken(company: UUID, name: String) async throws -> IssuedPlaneToken? {
        presence.forgetTokens(ofCompany: company)
        defer { presence.forgetTokens(ofCompany: company) }
        return try await store.rotatePlaneToken(named: name, companyUUID: company)
    }

    public func delete(company: UUID, name: String) async throws -> Bool {
        presence.forgetTokens(ofCompany: company)
        defaults.forget(company)
        defer {
            presence.forgetTokens(ofCompany: company)
            defaults.forget(company)
        }
        return try await store.deleteDataPlane(named: name, companyUUID: company)
    }

    /// Makes `name` the plane of pings that name none (the service's own plane name resets it).
    /// False when the company has no such plane.
    public func makeDefault(company: UUID, name: String) async throws -> Bool {
        defaults.forget(company)
        defer { defaults.forget(company) }
        if name == servicePlane {
            try await store.setDefaultPlane(nil, for: company)
            return true
        }
        guard try await store.dataPlane(named: name, companyUUID: company) != nil else { return false }
        try await store.setDefaultPlane(name, for: company)
        return true
    }

    /// The plane a payload without `dataPlaneName` runs on (see ``DefaultPlaneCache``).
    public func defaultPlane(company: UUID) async throws -> String {
        if let cached = defaults.lookup(company) { return cached ?? servicePlane }
        let name = try await store.defaultPlane(for: company)
        defaults.remember(name, for: company)
        return name ?? servicePlane
    }

    /// The names a payload may give: the service's plane and the company's.
    public func knownNames(company: UUID) async throws -> [String] {
        [servicePlane] + (try await store.dataPlanes(for: company)).map(\.name)
    }

    static func isOnline(_ agent: AgentRecord, now: Date) -> Bool {
        now.timeIntervalSince(agent.lastHeartbeatAt) <= AgentWire.onlineWindow.seconds
    }

    private func validName(_ name: String?) throws -> String {
        guard let name, !name.isEmpty else { throw ServiceRequestError(message: "name is required") }
        guard PlaneName.isValid(name) else {
            throw ServiceRequestError(
                message:
                    "name must be 1 to 63 of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit (for example prod-vpc)"
            )
        }
        guard name != servicePlane else {
            throw PlaneNameTaken(message: "\(name) is this service's own data plane; choose another name")
        }
        return name
    }

    // MARK: Handing a ping to a plane

    /// Queues the ping for the plane's agents and waits for the report until the ping's deadline (plus
    /// transit). Answers `data_plane_unavailable` at once when no agent is online, and at the deadline
    /// when none took the ping or the one that did sent nothing. The job row is gone when this returns.
    public func dispatch(
        _ payload: ConnectorPayload, plane: DataPlaneRecord, tunnel: AgentWire.Tunnel?, timeout: Duration
    ) async throws -> PingReport {
        let start = ContinuousClock.now
        if !presence.recentlyOnline(plane.uuid) {
            let agents = try await store.agents(planeUUID: plane.uuid)
            guard agents.contains(where: { Self.isOnline($0, now: Date()) }) else {
                return unavailable(
                    payload, plane,
                    "no agent of data plane \(plane.name) is online (\(Self.lastSeen(agents)))", since: start)
            }
            presence.sawOnline(plane.uuid)
        }
        let jobID = UUID()
        var sent = payload
        sent.dataPlaneName = nil
        sent.timeoutSeconds = nil
        let wire = AgentWire.Job(
            job: jobID, plane: plane.name, payload: sent.jsonValue, tunnel: tunnel, timeoutSeconds: timeout.seconds)
        let sealed = try sealer.seal(try JSONEncoder().encode(wire), associatedData: Self.jobData(jobID))
        // Watched before it is queued: its answer's wake-up cannot come before this instance listens for it.
        var seen = wakeups.generation(jobID)
        defer { wakeups.forget(jobID) }
        var job = PlaneJob(
            uuid: jobID, companyUUID: plane.companyUUID, planeUUID: plane.uuid, sealedPayload: sealed,
            deadline: Date().addingTimeInterval(timeout.seconds))
        if let poll = wakeups.takeParkedPoll(plane.uuid) {
            // A poll of this instance waits for the plane: the job is stored already claimed for its agent
            // and handed to it (no claim statement, no wake-up, no other instance told).
            job.state = .claimed
            job.claimedBy = poll.agentID
            do {
                try await store.enqueueJob(job, announce: false)
            } catch {
                poll.deliver(nil)
                throw error
            }
            poll.deliver(job)
        } else {
            // None parked here: the other instances are told (NOTIFY), and a poll of this one that looked
            // before the job was stored looks again.
            try await store.enqueueJob(job, announce: true)
            wakeups.signal(plane.uuid)
        }
        let end = start + timeout + Self.reportGrace
        var final: PlaneJob?
        var gone = false
        do {
            // One store statement per look: it takes the answer (and deletes the job) when there is one.
            while !Task.isCancelled {
                let now = ContinuousClock.now
                if now >= end { break }
                await wakeups.wait(jobID, seen: seen, upTo: min(Self.answerRecheck, end - now))
                seen = wakeups.generation(jobID)
                guard let current = try await store.takeAnswer(uuid: jobID) else {
                    gone = true
                    break
                }
                if current.state == .answered {
                    final = current
                    break
                }
            }
        } catch {
            _ = try? await store.deleteJob(uuid: jobID)
            throw error
        }
        if final == nil, !gone { final = try await store.deleteJob(uuid: jobID) }
        let limit = "\(Int(timeout.seconds.rounded())) s"
        guard let final, final.state == .answered, let sealedReport = final.sealedReport else {
            if let agent = final?.claimedBy {
                return unavailable(
                    payload, plane,
                    "agent \(agent) of data plane \(plane.name) took the ping but sent no report within its \(limit) deadline (the agent stopped or lost its connection)",
                    since: start)
            }
            let now = try await store.agents(planeUUID: plane.uuid)
            return unavailable(
                payload, plane,
                "no agent of data plane \(plane.name) took the ping within its \(limit) deadline (\(Self.lastSeen(now)))",
                since: start)
        }
        let opened = try sealer.open(sealedReport, associatedData: Self.reportData(jobID))
        var report = try JSONDecoder().decode(PingReport.self, from: opened)
        report.dataPlane = plane.name
        report.agent = final.claimedBy
        report.type = payload.type
        return Redactor(config: payload.sharedConfig).redact(report)
    }

    private func unavailable(
        _ payload: ConnectorPayload, _ plane: DataPlaneRecord, _ message: String, since start: ContinuousClock.Instant
    )
        -> PingReport
    {
        PingReport(
            ok: false, type: payload.type, category: .dataPlaneUnavailable, transient: true, message: message,
            hint:
                "run an agent inside that network: preflight agent --control-plane URL --token ardp_... (GET /data-planes lists its agents; POST /data-planes/\(plane.name)/rotate-token issues a new token)",
            durationMs: (ContinuousClock.now - start).seconds * 1000, dataPlane: plane.name)
    }

    static func lastSeen(_ agents: [AgentRecord]) -> String {
        guard let last = agents.map(\.lastHeartbeatAt).max() else { return "no agent has ever connected" }
        let ago = Int(Date().timeIntervalSince(last).rounded())
        return "an agent was last seen \(ISO8601DateFormatter().string(from: last)), \(ago) s ago"
    }

    static func jobData(_ job: UUID) -> String { "plane-job:\(job.uuidString.lowercased())" }
    static func reportData(_ job: UUID) -> String { "plane-report:\(job.uuidString.lowercased())" }
}

/// A plane name already in use: the company's, or the service's own (HTTP 409).
public struct PlaneNameTaken: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
