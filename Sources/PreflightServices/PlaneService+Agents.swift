public import Foundation
public import PreflightCore
public import PreflightStore

/// The agents' side of ``PlaneService``: token checks, long polls, heartbeats and reports.
extension PlaneService {
    /// The plane of an agent token; nil for an unknown, rotated or deleted one (see
    /// ``AgentPresence/tokenRecheck`` for a rotation or deletion through another instance).
    public func authenticate(token: String) async throws -> DataPlaneRecord? {
        guard PlaneToken.isWellFormed(token) else { return nil }
        let hash = PlaneToken.hash(token)
        if let plane = presence.plane(ofTokenHash: hash) { return plane }
        guard let plane = try await store.authenticatePlane(token: token) else { return nil }
        presence.remember(tokenHash: hash, plane: plane)
        return plane
    }

    /// An agent's long poll: records its heartbeat (again every ``AgentWire/heartbeatInterval`` while it
    /// waits), and answers the first job it claims (as JSON, the wire form) or nil after `hold`, or at
    /// once when `stop` says the service is shutting down.
    public func poll(
        plane: DataPlaneRecord, agent: AgentWire.Poll, address: String?, hold: Duration,
        stop: @Sendable () -> Bool
    ) async throws -> Data? {
        try await longPoll(plane: plane, agent: agent, address: address, hold: hold, stop: stop, looked: nil)
    }

    /// An agent's report of a job it claimed that goes on as its next poll (`?poll=1`): the report is
    /// stored and the plane's next queued job claimed in one store statement; with none queued, a long
    /// poll as ``poll(plane:agent:address:hold:stop:)``. `answered` is false (and nothing polled) when
    /// the job is gone or not its.
    public func reportAndPoll(
        plane: DataPlaneRecord, agent: AgentWire.Poll, job: UUID, report: PingReport, address: String?,
        hold: Duration, stop: @Sendable () -> Bool
    ) async throws -> (answered: Bool, next: Data?) {
        let sealed = try sealer.seal(try JSONEncoder().encode(report), associatedData: Self.reportData(job))
        let waitsHere = wakeups.isWatched(job)
        let looked = wakeups.generation(plane.uuid)
        let (answered, next) = try await store.answerJobAndClaimNext(
            uuid: job, planeUUID: plane.uuid, companyUUID: plane.companyUUID, agentID: agent.agentID,
            sealedReport: sealed, announce: !waitsHere)
        guard answered else { return (false, nil) }
        wakeups.signal(job)
        if let next {
            // A busy agent gets its jobs this way only: its heartbeat is kept here too (at most every 2 s).
            try await heartbeat(plane: plane, agent: agent, address: address)
            return (true, try wireJob(next))
        }
        let polled = try await longPoll(
            plane: plane, agent: agent, address: address, hold: hold, stop: stop, looked: looked)
        return (true, polled)
    }

    /// The poll loop; `looked` is the plane's generation before a claim that found nothing (the loop
    /// then waits first).
    fileprivate func longPoll(
        plane: DataPlaneRecord, agent: AgentWire.Poll, address: String?, hold: Duration,
        stop: @Sendable () -> Bool, looked: Int?
    ) async throws -> Data? {
        try await heartbeat(plane: plane, agent: agent, address: address)
        let end = ContinuousClock.now + hold
        var lastBeat = ContinuousClock.now
        var looked = looked
        while true {
            let seen: Int
            if let earlier = looked {
                seen = earlier
                looked = nil
            } else {
                seen = wakeups.generation(plane.uuid)
                if let job = try await store.claimJob(
                    planeUUID: plane.uuid, companyUUID: plane.companyUUID, agentID: agent.agentID)
                {
                    return try wireJob(job)
                }
            }
            let now = ContinuousClock.now
            if now >= end || stop() || Task.isCancelled { return nil }
            if now - lastBeat >= AgentWire.heartbeatInterval {
                try await heartbeat(plane: plane, agent: agent, address: address)
                lastBeat = now
            }
            // A queued job wakes one idle poll at once (here, or through NOTIFY from another instance);
            // the store is read again every few seconds only in case a wake-up was lost. At one read per
            // second, every lane of every agent would keep the store's pool busy (100 lanes: 100
            // claims a second) and slow every other request down.
            if let handed = await wakeups.wait(
                plane.uuid, seen: seen, upTo: min(Self.idlePollRecheck, end - now), agentID: agent.agentID)
            {
                return try wireJob(handed)
            }
        }
    }

    /// A claimed job as the agent gets it (JSON), its timeout cut to what is left of its deadline.
    fileprivate func wireJob(_ job: PlaneJob) throws -> Data {
        let opened = try sealer.open(job.sealedPayload, associatedData: Self.jobData(job.uuid))
        var wire = try JSONDecoder().decode(AgentWire.Job.self, from: opened)
        wire.timeoutSeconds = max(0.1, min(wire.timeoutSeconds, job.deadline.timeIntervalSinceNow - 0.2))
        return try JSONEncoder().encode(wire)
    }

    /// Writes the agent's heartbeat unless this instance wrote it a moment ago (a busy agent polls many
    /// times a second; its listing moves by at most ``AgentPresence/heartbeatRewrite``).
    fileprivate func heartbeat(plane: DataPlaneRecord, agent: AgentWire.Poll, address: String?) async throws {
        guard presence.heartbeatDue(plane: plane.uuid, agentID: agent.agentID) else { return }
        do {
            try await store.recordHeartbeat(
                planeUUID: plane.uuid, agentID: agent.agentID, version: agent.version, address: address)
        } catch {
            presence.heartbeatFailed(plane: plane.uuid, agentID: agent.agentID)
            throw error
        }
    }

    /// How often a waiting ping reads its job again without a wake-up (in case one was lost: its LISTEN
    /// connection reconnecting).
    static let answerRecheck: Duration = .seconds(2)

    /// How often an idle poll reads the store again without a wake-up.
    static let idlePollRecheck: Duration = .seconds(3)

    /// An agent's report of a job it claimed: false when the job is gone (its ping ended) or not its.
    public func report(plane: DataPlaneRecord, agentID: String, job: UUID, report: PingReport) async throws -> Bool {
        let sealed = try sealer.seal(try JSONEncoder().encode(report), associatedData: Self.reportData(job))
        // The ping waits on this instance when it watches the job here: then no other instance is told.
        let waitsHere = wakeups.isWatched(job)
        let answered = try await store.answerJob(
            uuid: job, planeUUID: plane.uuid, agentID: agentID, sealedReport: sealed, announce: !waitsHere)
        if answered { wakeups.signal(job) }
        return answered
    }
}
