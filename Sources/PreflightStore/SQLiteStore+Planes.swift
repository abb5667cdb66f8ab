import Foundation
import NIOCore
import SQLiteNIO

/// Data planes, agents and the plane job queue.
extension SQLiteStore {
    private static func q(_ statement: String) -> String { PlaneSQL.sqlite(statement) }
    private static func uuid(_ value: UUID) -> SQLiteData { .text(StoreUUID.text(value)) }

    func createDataPlane(companyUUID: UUID, name: String) async throws -> IssuedPlaneToken {
        let name = try PlaneValidation.name(name)
        let now = StoreTime.nowMillis()
        let token = PlaneToken.generate()
        let plane = DataPlaneRecord(
            uuid: UUID(), companyUUID: companyUUID, name: name,
            tokenPrefix: APIKeyGenerator.displayPrefix(of: token), createdAt: StoreTime.date(millis: now),
            tokenIssuedAt: StoreTime.date(millis: now))
        try await run("create a data plane") { db in
            let rows = try await Self.execute(
                db, Self.q(PlaneSQL.insertPlane),
                [
                    Self.uuid(plane.uuid), Self.uuid(companyUUID), .text(name), .text(PlaneToken.hash(token)),
                    .text(plane.tokenPrefix), .integer(Int(now)),
                ])
            guard rows.isEmpty else { return }
            guard try await Self.company(uuid: companyUUID, in: db) != nil else {
                throw StoreError(.companyNotFound, "No company with UUID \(StoreUUID.text(companyUUID)).")
            }
            throw StoreError(.invalidInput, "A data plane named \(name) already exists.")
        }
        return IssuedPlaneToken(plane: plane, token: token)
    }

    func dataPlanes(for companyUUID: UUID) async throws -> [DataPlaneRecord] {
        try await run("list data planes") { db in
            try await Self.execute(db, Self.q(PlaneSQL.selectPlanes), [Self.uuid(companyUUID)]).map(Self.plane(from:))
        }
    }

    func dataPlane(named name: String, companyUUID: UUID) async throws -> DataPlaneRecord? {
        guard PlaneName.isValid(name) else { return nil }
        return try await run("read a data plane") { db in
            try await Self.execute(db, Self.q(PlaneSQL.selectPlaneByName), [Self.uuid(companyUUID), .text(name)])
                .first.map(Self.plane(from:))
        }
    }

    func rotatePlaneToken(named name: String, companyUUID: UUID) async throws -> IssuedPlaneToken? {
        guard PlaneName.isValid(name) else { return nil }
        let token = PlaneToken.generate()
        let plane = try await run("rotate a data plane's token") { db in
            try await Self.execute(
                db, Self.q(PlaneSQL.rotateToken),
                [
                    Self.uuid(companyUUID), .text(name), .text(PlaneToken.hash(token)),
                    .text(APIKeyGenerator.displayPrefix(of: token)), .integer(Int(StoreTime.nowMillis())),
                ]
            ).first.map(Self.plane(from:))
        }
        return plane.map { IssuedPlaneToken(plane: $0, token: token) }
    }

    func deleteDataPlane(named name: String, companyUUID: UUID) async throws -> Bool {
        guard PlaneName.isValid(name) else { return false }
        return try await run("delete a data plane") { db in
            let binds: [SQLiteData] = [Self.uuid(companyUUID), .text(name)]
            let deleted = try await !Self.execute(db, Self.q(PlaneSQL.deletePlane), binds).isEmpty
            if deleted { _ = try await Self.execute(db, Self.q(PlaneSQL.clearDefaultNamed), binds) }
            return deleted
        }
    }

    func authenticatePlane(token: String) async throws -> DataPlaneRecord? {
        guard PlaneToken.isWellFormed(token) else { return nil }
        return try await run("authenticate an agent token") { db in
            try await Self.execute(db, Self.q(PlaneSQL.selectPlaneByToken), [.text(PlaneToken.hash(token))])
                .first.map(Self.plane(from:))
        }
    }

    func defaultPlane(for companyUUID: UUID) async throws -> String? {
        try await run("read the default data plane") { db in
            try await Self.execute(db, Self.q(PlaneSQL.selectDefault), [Self.uuid(companyUUID)]).first?
                .text("default_plane")
        }
    }

    func setDefaultPlane(_ name: String?, for companyUUID: UUID) async throws {
        try await run("set the default data plane") { db in
            if let name {
                _ = try await Self.execute(db, Self.q(PlaneSQL.upsertDefault), [Self.uuid(companyUUID), .text(name)])
            } else {
                _ = try await Self.execute(db, Self.q(PlaneSQL.clearDefault), [Self.uuid(companyUUID)])
            }
        }
    }

    func recordHeartbeat(planeUUID: UUID, agentID: String, version: String, address: String?) async throws {
        let agentID = try PlaneValidation.agentID(agentID)
        try await run("record an agent heartbeat") { db in
            _ = try await Self.execute(
                db, Self.q(PlaneSQL.heartbeat),
                [
                    Self.uuid(planeUUID), .text(agentID), .text(String(version.prefix(64))),
                    address.map { .text(String($0.prefix(100))) } ?? .null, .integer(Int(StoreTime.nowMillis())),
                ])
        }
    }

    func agents(planeUUID: UUID) async throws -> [AgentRecord] {
        try await run("list agents") { db in
            try await Self.execute(db, Self.q(PlaneSQL.selectAgents), [Self.uuid(planeUUID)]).map { row in
                AgentRecord(
                    planeUUID: try StoreUUID.parse(row.text("plane_uuid"), column: "agents.plane_uuid"),
                    agentID: try row.text("agent_id"), version: try row.text("version"),
                    address: try row.optionalText("address"),
                    firstSeenAt: StoreTime.date(millis: try row.int64("first_seen_at")),
                    lastHeartbeatAt: StoreTime.date(millis: try row.int64("last_heartbeat_at")),
                    pingsServed: Int(try row.int64("pings_served")))
            }
        }
    }

    func enqueueJob(_ job: PlaneJob, announce: Bool) async throws {
        var binds: [SQLiteData] = [
            Self.uuid(job.uuid), Self.uuid(job.companyUUID), Self.uuid(job.planeUUID),
            .blob(ByteBuffer(bytes: job.sealedPayload)), .integer(Int(StoreTime.nowMillis())),
            .integer(Int(StoreTime.millis(job.deadline))),
        ]
        if let agent = job.claimedBy { binds.append(.text(agent)) }
        let statement = job.claimedBy == nil ? PlaneSQL.insertJob : PlaneSQL.insertClaimedJob
        try await run("queue a data plane job") { db in
            _ = try await Self.execute(db, Self.q(statement), binds)
        }
    }

    func claimJob(planeUUID: UUID, companyUUID: UUID, agentID: String) async throws -> PlaneJob? {
        let now = StoreTime.nowMillis()
        return try await run("claim a data plane job") { db in
            if expirySweep.due(now: now) {
                _ = try await Self.execute(db, Self.q(PlaneSQL.dropExpired), [.integer(Int(now - 60_000))])
            }
            return try await Self.execute(
                db, Self.q(PlaneSQL.claim),
                [Self.uuid(planeUUID), Self.uuid(companyUUID), .text(agentID), .integer(Int(now))]
            ).first.map(Self.job(from:))
        }
    }

    func answerJob(uuid: UUID, planeUUID: UUID, agentID: String, sealedReport: Data, announce: Bool) async throws
        -> Bool
    {
        try await run("answer a data plane job") { db in
            let answered = try await !Self.execute(
                db, Self.q(PlaneSQL.answer),
                [Self.uuid(uuid), Self.uuid(planeUUID), .text(agentID), .blob(ByteBuffer(bytes: sealedReport))]
            ).isEmpty
            if answered {
                _ = try await Self.execute(db, Self.q(PlaneSQL.countServed), [Self.uuid(planeUUID), .text(agentID)])
            }
            return answered
        }
    }

    func job(uuid: UUID) async throws -> PlaneJob? {
        try await run("read a data plane job") { db in
            try await Self.execute(db, Self.q(PlaneSQL.selectJob), [Self.uuid(uuid)]).first.map(Self.job(from:))
        }
    }

    func answerJobAndClaimNext(
        uuid: UUID, planeUUID: UUID, companyUUID: UUID, agentID: String, sealedReport: Data, announce: Bool
    ) async throws -> (answered: Bool, next: PlaneJob?) {
        let answered = try await answerJob(
            uuid: uuid, planeUUID: planeUUID, agentID: agentID, sealedReport: sealedReport, announce: announce)
        guard answered else { return (false, nil) }
        return (true, try await claimJob(planeUUID: planeUUID, companyUUID: companyUUID, agentID: agentID))
    }

    func takeAnswer(uuid: UUID) async throws -> PlaneJob? {
        try await run("read a data plane job's answer") { db in
            if let taken = try await Self.execute(db, Self.q(PlaneSQL.deleteAnswered), [Self.uuid(uuid)]).first {
                return try Self.job(from: taken)
            }
            return try await Self.execute(db, Self.q(PlaneSQL.selectJob), [Self.uuid(uuid)]).first.map(Self.job(from:))
        }
    }

    func deleteJob(uuid: UUID) async throws -> PlaneJob? {
        try await run("delete a data plane job") { db in
            try await Self.execute(db, Self.q(PlaneSQL.deleteJob), [Self.uuid(uuid)]).first.map(Self.job(from:))
        }
    }

    static func plane(from row: SQLiteRow) throws -> DataPlaneRecord {
        DataPlaneRecord(
            uuid: try StoreUUID.parse(row.text("uuid"), column: "data_planes.uuid"),
            companyUUID: try StoreUUID.parse(row.text("company_uuid"), column: "data_planes.company_uuid"),
            name: try row.text("name"), tokenPrefix: try row.text("token_prefix"),
            createdAt: StoreTime.date(millis: try row.int64("created_at")),
            tokenIssuedAt: StoreTime.date(millis: try row.int64("token_issued_at")))
    }

    static func job(from row: SQLiteRow) throws -> PlaneJob {
        let state = try row.text("state")
        guard let parsed = PlaneJob.State(rawValue: state) else {
            throw StoreError(.corruptData, "plane_jobs.state holds an unknown state.")
        }
        var report: Data?
        if let column = row.column("sealed_report"), case .blob = column { report = try row.blob("sealed_report") }
        return PlaneJob(
            uuid: try StoreUUID.parse(row.text("uuid"), column: "plane_jobs.uuid"),
            companyUUID: try StoreUUID.parse(row.text("company_uuid"), column: "plane_jobs.company_uuid"),
            planeUUID: try StoreUUID.parse(row.text("plane_uuid"), column: "plane_jobs.plane_uuid"),
            sealedPayload: try row.blob("sealed_payload"), state: parsed,
            claimedBy: try row.optionalText("claimed_by"),
            deadline: StoreTime.date(millis: try row.int64("deadline_at")), sealedReport: report)
    }
}
