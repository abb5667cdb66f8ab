import Foundation

/// Data planes, their agents and the queue of pings waiting for them. Every plane method is scoped to a
/// company: another company's plane behaves exactly like a missing one. The queue lives in the store, so
/// a ping arriving at one service instance can be claimed by an agent connected to another.
public protocol DataPlaneStore: Sendable {
    /// Creates a plane and its first agent token.
    ///
    /// - Throws: ``StoreError`` `invalidInput` for a bad name or one the company already uses,
    ///   `companyNotFound` for an unknown company.
    func createDataPlane(companyUUID: UUID, name: String) async throws -> IssuedPlaneToken

    /// The company's planes, by name.
    func dataPlanes(for companyUUID: UUID) async throws -> [DataPlaneRecord]

    /// The company's plane named `name`, or nil.
    func dataPlane(named name: String, companyUUID: UUID) async throws -> DataPlaneRecord?

    /// Replaces the plane's token; the old one stops working at once. Nil for no such plane.
    func rotatePlaneToken(named name: String, companyUUID: UUID) async throws -> IssuedPlaneToken?

    /// Deletes the plane, its agents and its queued jobs. Clears it as the company's default.
    func deleteDataPlane(named name: String, companyUUID: UUID) async throws -> Bool

    /// The plane whose current token this is, or nil (malformed tokens never touch the database).
    func authenticatePlane(token: String) async throws -> DataPlaneRecord?

    /// The company's default plane name, or nil (the service's own plane).
    func defaultPlane(for companyUUID: UUID) async throws -> String?

    /// Sets (or with nil, clears) the company's default plane name.
    func setDefaultPlane(_ name: String?, for companyUUID: UUID) async throws

    /// Records a heartbeat of `agentID` (creating the agent on its first).
    func recordHeartbeat(planeUUID: UUID, agentID: String, version: String, address: String?) async throws

    /// The plane's agents, most recently seen first.
    func agents(planeUUID: UUID) async throws -> [AgentRecord]

    /// Queues a job (state queued; or claimed, when `job.claimedBy` is set: handed to that agent at once);
    /// with `announce`, also tells the other instances sharing the store (PostgreSQL: a NOTIFY in the same
    /// statement, delivered when the row is visible).
    func enqueueJob(_ job: PlaneJob, announce: Bool) async throws

    /// Atomically claims the oldest queued, unexpired job of the plane (of that company) for `agentID`:
    /// a job is handed to one agent only, even with many instances polling. Also drops long-expired jobs
    /// (at most every ten seconds).
    func claimJob(planeUUID: UUID, companyUUID: UUID, agentID: String) async throws -> PlaneJob?

    /// Stores the report of a job that `agentID` claimed and counts it as served; with `announce`, also
    /// tells the other instances (PostgreSQL: all in one statement). False when the job is gone, not its,
    /// or answered.
    func answerJob(uuid: UUID, planeUUID: UUID, agentID: String, sealedReport: Data, announce: Bool) async throws
        -> Bool

    /// ``answerJob(uuid:planeUUID:agentID:sealedReport:announce:)``, then, when the report was taken, the
    /// plane's next queued job claimed for the same agent (as ``claimJob(planeUUID:companyUUID:agentID:)``):
    /// an agent's report that goes on as its next poll. One statement on PostgreSQL.
    func answerJobAndClaimNext(
        uuid: UUID, planeUUID: UUID, companyUUID: UUID, agentID: String, sealedReport: Data, announce: Bool
    ) async throws -> (answered: Bool, next: PlaneJob?)

    /// The job as it stands, or nil when gone.
    func job(uuid: UUID) async throws -> PlaneJob?

    /// Deletes the job, returning it as it was at that moment (nil when already gone).
    func deleteJob(uuid: UUID) async throws -> PlaneJob?

    /// The waiting ping's one look at its job: an answered job is deleted and returned (state answered);
    /// one not answered yet is returned as it stands and kept; nil when it is gone.
    func takeAnswer(uuid: UUID) async throws -> PlaneJob?

    /// Tells every instance sharing the store that `key` (a plane with a new job, or an answered job)
    /// changed, so their waiters look at once. Best effort: waiters also look on their own every second.
    /// (``enqueueJob(_:announce:)`` and ``answerJob(uuid:planeUUID:agentID:sealedReport:announce:)`` do it
    /// themselves when asked.)
    func announce(_ key: UUID) async

    /// Calls `handler` with each key any instance announces, from now until the store closes.
    func listenForAnnouncements(_ handler: @escaping @Sendable (UUID) -> Void)
}

extension DataPlaneStore {
    /// Queues a job and tells the other instances.
    public func enqueueJob(_ job: PlaneJob) async throws {
        try await enqueueJob(job, announce: true)
    }

    /// Stores a job's report and tells the other instances.
    public func answerJob(uuid: UUID, planeUUID: UUID, agentID: String, sealedReport: Data) async throws -> Bool {
        try await answerJob(
            uuid: uuid, planeUUID: planeUUID, agentID: agentID, sealedReport: sealedReport, announce: true)
    }

    /// One process: nothing to tell (in-process waiters are woken directly).
    public func announce(_ key: UUID) async {}

    /// One process: nobody else announces anything.
    public func listenForAnnouncements(_ handler: @escaping @Sendable (UUID) -> Void) {}
}

/// Input checks shared by both stores.
enum PlaneValidation {
    static func name(_ name: String) throws -> String {
        guard PlaneName.isValid(name) else {
            throw StoreError(
                .invalidInput,
                "A data plane name must be 1 to 63 of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit."
            )
        }
        return name
    }

    static func agentID(_ id: String) throws -> String {
        guard (1...128).contains(id.count),
            id.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7f })
        else {
            throw StoreError(.invalidInput, "An agent id must be 1 to 128 printable ASCII characters without spaces.")
        }
        return id
    }
}
