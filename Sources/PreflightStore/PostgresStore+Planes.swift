import Foundation
import PostgresNIO

/// Data planes, agents and the plane job queue.
extension PostgresStore {
    private static func binds(_ values: [any PostgresThrowingDynamicTypeEncodable & Sendable]) throws
        -> PostgresBindings
    {
        var binds = PostgresBindings()
        for value in values { try binds.append(value) }
        return binds
    }

    func createDataPlane(companyUUID: UUID, name: String) async throws -> IssuedPlaneToken {
        let name = try PlaneValidation.name(name)
        let now = StoreTime.nowMillis()
        let token = PlaneToken.generate()
        let plane = DataPlaneRecord(
            uuid: UUID(), companyUUID: companyUUID, name: name,
            tokenPrefix: APIKeyGenerator.displayPrefix(of: token), createdAt: StoreTime.date(millis: now),
            tokenIssuedAt: StoreTime.date(millis: now))
        let values = try Self.binds([
            StoreUUID.text(plane.uuid), StoreUUID.text(companyUUID), name, PlaneToken.hash(token), plane.tokenPrefix,
            now,
        ])
        guard try await rows(PlaneSQL.insertPlane, values, "create a data plane").isEmpty else {
            return IssuedPlaneToken(plane: plane, token: token)
        }
        guard try await company(uuid: companyUUID) != nil else {
            throw StoreError(.companyNotFound, "No company with UUID \(StoreUUID.text(companyUUID)).")
        }
        throw StoreError(.invalidInput, "A data plane named \(name) already exists.")
    }

    func dataPlanes(for companyUUID: UUID) async throws -> [DataPlaneRecord] {
        let rows = try await rows(
            PlaneSQL.selectPlanes, try Self.binds([StoreUUID.text(companyUUID)]), "list data planes")
        return try decode("list data planes") { try rows.map(Self.plane(from:)) }
    }

    func dataPlane(named name: String, companyUUID: UUID) async throws -> DataPlaneRecord? {
        guard PlaneName.isValid(name) else { return nil }
        let rows = try await rows(
            PlaneSQL.selectPlaneByName, try Self.binds([StoreUUID.text(companyUUID), name]), "read a data plane")
        return try decode("read a data plane") { try rows.first.map(Self.plane(from:)) }
    }

    func rotatePlaneToken(named name: String, companyUUID: UUID) async throws -> IssuedPlaneToken? {
        guard PlaneName.isValid(name) else { return nil }
        let token = PlaneToken.generate()
        let rows = try await rows(
            PlaneSQL.rotateToken,
            try Self.binds([
                StoreUUID.text(companyUUID), name, PlaneToken.hash(token), APIKeyGenerator.displayPrefix(of: token),
                StoreTime.nowMillis(),
            ]), "rotate a data plane's token")
        let plane = try decode("rotate a data plane's token") { try rows.first.map(Self.plane(from:)) }
        return plane.map { IssuedPlaneToken(plane: $0, token: token) }
    }

    func deleteDataPlane(named name: String, companyUUID: UUID) async throws -> Bool {
        guard PlaneName.isValid(name) else { return false }
        let scope = try Self.binds([StoreUUID.text(companyUUID), name])
        let deleted = try await !rows(PlaneSQL.deletePlane, scope, "delete a data plane").isEmpty
        if deleted { _ = try await rows(PlaneSQL.clearDefaultNamed, scope, "clear a default data plane") }
        return deleted
    }

    func authenticatePlane(token: String) async throws -> DataPlaneRecord? {
        guard PlaneToken.isWellFormed(token) else { return nil }
        let rows = try await rows(
            PlaneSQL.selectPlaneByToken, try Self.binds([PlaneToken.hash(token)]), "authenticate an agent token")
        return try decode("authenticate an agent token") { try rows.first.map(Self.plane(from:)) }
    }

    func defaultPlane(for companyUUID: UUID) async throws -> String? {
        let rows = try await rows(
            PlaneSQL.selectDefault, try Self.binds([StoreUUID.text(companyUUID)]), "read the default data plane")
        return try decode("read the default data plane") { try rows.first.map { try $0.decode(String.self) } }
    }

    func setDefaultPlane(_ name: String?, for companyUUID: UUID) async throws {
        if let name {
            _ = try await rows(
                PlaneSQL.upsertDefault, try Self.binds([StoreUUID.text(companyUUID), name]),
                "set the default data plane")
        } else {
            _ = try await rows(
                PlaneSQL.clearDefault, try Self.binds([StoreUUID.text(companyUUID)]), "clear the default data plane")
        }
    }

    func recordHeartbeat(planeUUID: UUID, agentID: String, version: String, address: String?) async throws {
        let agentID = try PlaneValidation.agentID(agentID)
        var binds = PostgresBindings()
        binds.append(StoreUUID.text(planeUUID))
        binds.append(agentID)
        binds.append(String(version.prefix(64)))
        binds.append(address.map { String($0.prefix(100)) })
        binds.append(StoreTime.nowMillis())
        _ = try await rows(PlaneSQL.heartbeat, binds, "record an agent heartbeat")
    }

    func agents(planeUUID: UUID) async throws -> [AgentRecord] {
        let rows = try await rows(PlaneSQL.selectAgents, try Self.binds([StoreUUID.text(planeUUID)]), "list agents")
        return try decode("list agents") {
            try rows.map { row in
                let columns = try row.decode((String, String, String, String?, Int64, Int64, Int64).self)
                return AgentRecord(
                    planeUUID: try StoreUUID.parse(columns.0, column: "agents.plane_uuid"), agentID: columns.1,
                    version: columns.2, address: columns.3, firstSeenAt: StoreTime.date(millis: columns.4),
                    lastHeartbeatAt: StoreTime.date(millis: columns.5), pingsServed: Int(columns.6))
            }
        }
    }

    func enqueueJob(_ job: PlaneJob, announce: Bool) async throws {
        if let agent = job.claimedBy {
            let values = try Self.binds([
                StoreUUID.text(job.uuid), StoreUUID.text(job.companyUUID), StoreUUID.text(job.planeUUID),
                job.sealedPayload, StoreTime.nowMillis(), StoreTime.millis(job.deadline), agent,
            ])
            _ = try await rows(PlaneSQL.insertClaimedJob, values, "queue a data plane job")
            return
        }
        var values: [any PostgresThrowingDynamicTypeEncodable & Sendable] = [
            StoreUUID.text(job.uuid), StoreUUID.text(job.companyUUID), StoreUUID.text(job.planeUUID), job.sealedPayload,
            StoreTime.nowMillis(), StoreTime.millis(job.deadline),
        ]
        if announce { values += [Self.wakeupChannel, announcement(job.planeUUID)] }
        _ = try await rows(
            announce ? PlaneSQL.pgInsertJobAndNotify : PlaneSQL.insertJob, try Self.binds(values),
            "queue a data plane job")
    }

    func claimJob(planeUUID: UUID, companyUUID: UUID, agentID: String) async throws -> PlaneJob? {
        let now = StoreTime.nowMillis()
        if expirySweep.due(now: now) {
            _ = try await rows(PlaneSQL.dropExpired, try Self.binds([now - 60_000]), "drop expired data plane jobs")
        }
        let rows = try await rows(
            PlaneSQL.claim,
            try Self.binds([StoreUUID.text(planeUUID), StoreUUID.text(companyUUID), agentID, now]),
            "claim a data plane job")
        return try decode("claim a data plane job") { try rows.first.map(Self.job(from:)) }
    }

    func answerJob(uuid: UUID, planeUUID: UUID, agentID: String, sealedReport: Data, announce: Bool) async throws
        -> Bool
    {
        var values: [any PostgresThrowingDynamicTypeEncodable & Sendable] = [
            StoreUUID.text(uuid), StoreUUID.text(planeUUID), agentID, sealedReport,
        ]
        if announce { values += [Self.wakeupChannel, announcement(uuid)] }
        return try await !rows(
            announce ? PlaneSQL.pgAnswerCountAndNotify : PlaneSQL.pgAnswerAndCount, try Self.binds(values),
            "answer a data plane job"
        ).isEmpty
    }

    func answerJobAndClaimNext(
        uuid: UUID, planeUUID: UUID, companyUUID: UUID, agentID: String, sealedReport: Data, announce: Bool
    ) async throws -> (answered: Bool, next: PlaneJob?) {
        var values: [any PostgresThrowingDynamicTypeEncodable & Sendable] = [
            StoreUUID.text(uuid), StoreUUID.text(planeUUID), agentID, sealedReport, StoreUUID.text(companyUUID),
            StoreTime.nowMillis(),
        ]
        if announce { values += [Self.wakeupChannel, announcement(uuid)] }
        let action = "answer a data plane job and claim the next"
        let rows = try await rows(PlaneSQL.pgAnswerAndClaimNext(announce: announce), try Self.binds(values), action)
        return try decode(action) {
            guard let row = rows.first else { return (false, nil) }
            let columns = try row.decode(
                (Bool, String?, String?, String?, Data?, String?, String?, Int64?, Data?).self)
            guard columns.0, let job = columns.1, let company = columns.2, let plane = columns.3,
                let payload = columns.4, let state = columns.5.flatMap(PlaneJob.State.init(rawValue:)),
                let deadline = columns.7
            else { return (columns.0, nil) }
            return (
                true,
                PlaneJob(
                    uuid: try StoreUUID.parse(job, column: "plane_jobs.uuid"),
                    companyUUID: try StoreUUID.parse(company, column: "plane_jobs.company_uuid"),
                    planeUUID: try StoreUUID.parse(plane, column: "plane_jobs.plane_uuid"), sealedPayload: payload,
                    state: state, claimedBy: columns.6, deadline: StoreTime.date(millis: deadline),
                    sealedReport: columns.8)
            )
        }
    }

    func takeAnswer(uuid: UUID) async throws -> PlaneJob? {
        let rows = try await rows(
            PlaneSQL.pgTakeAnswer, try Self.binds([StoreUUID.text(uuid)]), "read a data plane job's answer")
        return try decode("read a data plane job's answer") { try rows.first.map(Self.job(from:)) }
    }

    func job(uuid: UUID) async throws -> PlaneJob? {
        let rows = try await rows(PlaneSQL.selectJob, try Self.binds([StoreUUID.text(uuid)]), "read a data plane job")
        return try decode("read a data plane job") { try rows.first.map(Self.job(from:)) }
    }

    func deleteJob(uuid: UUID) async throws -> PlaneJob? {
        let rows = try await rows(PlaneSQL.deleteJob, try Self.binds([StoreUUID.text(uuid)]), "delete a data plane job")
        return try decode("delete a data plane job") { try rows.first.map(Self.job(from:)) }
    }

    static func plane(from row: PostgresRow) throws -> DataPlaneRecord {
        let columns = try row.decode((String, String, String, String, Int64, Int64).self)
        return DataPlaneRecord(
            uuid: try StoreUUID.parse(columns.0, column: "data_planes.uuid"),
            companyUUID: try StoreUUID.parse(columns.1, column: "data_planes.company_uuid"), name: columns.2,
            tokenPrefix: columns.3, createdAt: StoreTime.date(millis: columns.4),
            tokenIssuedAt: StoreTime.date(millis: columns.5))
    }

    static func job(from row: PostgresRow) throws -> PlaneJob {
        let columns = try row.decode((String, String, String, Data, String, String?, Int64, Data?).self)
        guard let state = PlaneJob.State(rawValue: columns.4) else {
            throw StoreError(.corruptData, "plane_jobs.state holds an unknown state.")
        }
        return PlaneJob(
            uuid: try StoreUUID.parse(columns.0, column: "plane_jobs.uuid"),
            companyUUID: try StoreUUID.parse(columns.1, column: "plane_jobs.company_uuid"),
            planeUUID: try StoreUUID.parse(columns.2, column: "plane_jobs.plane_uuid"), sealedPayload: columns.3,
            state: state, claimedBy: columns.5, deadline: StoreTime.date(millis: columns.6), sealedReport: columns.7)
    }
}
