import Foundation
import Testing

@testable import PreflightStore

/// Data planes, agents and the job queue, on each backend.
extension StoreBehaviour {
    static let planes: [StoreBehaviour] = [
        StoreBehaviour("a data plane's token is stored hashed, rotates and authenticates only its plane") { fixture in
            try await withStore(fixture) { store in
                let acme = try await store.createCompany(name: "Acme")
                let issued = try await store.createDataPlane(companyUUID: acme.uuid, name: "prod-vpc")
                #expect(issued.token.hasPrefix("ardp_"))
                #expect(issued.token.count == 45)
                #expect(try await store.authenticatePlane(token: issued.token)?.uuid == issued.plane.uuid)
                let rows = try await rawRows(store, .dataPlanes).joined()
                #expect(!rows.contains(issued.token))
                #expect(!rows.contains(String(issued.token.dropFirst(12))))
                let rotated = try #require(try await store.rotatePlaneToken(named: "prod-vpc", companyUUID: acme.uuid))
                #expect(try await store.authenticatePlane(token: issued.token) == nil)
                #expect(try await store.authenticatePlane(token: rotated.token)?.name == "prod-vpc")
                #expect(try await store.authenticatePlane(token: "arsk_" + rotated.token.dropFirst(5)) == nil)
                #expect(try await store.deleteDataPlane(named: "prod-vpc", companyUUID: acme.uuid))
                #expect(try await store.authenticatePlane(token: rotated.token) == nil)
            }
        },

        StoreBehaviour("plane names are unique per company and invisible to other companies") { fixture in
            try await withStore(fixture) { store in
                let acme = try await store.createCompany(name: "Acme")
                let other = try await store.createCompany(name: "Other")
                _ = try await store.createDataPlane(companyUUID: acme.uuid, name: "prod")
                let duplicate = await #expect(throws: StoreError.self) {
                    try await store.createDataPlane(companyUUID: acme.uuid, name: "prod")
                }
                #expect(duplicate?.kind == .invalidInput)
                for bad in ["", "-x", "a b", String(repeating: "p", count: 64), "é"] {
                    await #expect(throws: StoreError.self) {
                        try await store.createDataPlane(companyUUID: acme.uuid, name: bad)
                    }
                }
                #expect(try await store.dataPlane(named: "prod", companyUUID: other.uuid) == nil)
                #expect(try await store.rotatePlaneToken(named: "prod", companyUUID: other.uuid) == nil)
                #expect(try await !store.deleteDataPlane(named: "prod", companyUUID: other.uuid))
                _ = try await store.createDataPlane(companyUUID: other.uuid, name: "prod")
                #expect(try await store.dataPlanes(for: acme.uuid).map(\.name) == ["prod"])
                #expect(try await store.dataPlanes(for: other.uuid).count == 1)
            }
        },

        StoreBehaviour("the default plane is per company and cleared with its plane") { fixture in
            try await withStore(fixture) { store in
                let acme = try await store.createCompany(name: "Acme")
                #expect(try await store.defaultPlane(for: acme.uuid) == nil)
                _ = try await store.createDataPlane(companyUUID: acme.uuid, name: "vpc")
                try await store.setDefaultPlane("vpc", for: acme.uuid)
                #expect(try await store.defaultPlane(for: acme.uuid) == "vpc")
                #expect(try await store.deleteDataPlane(named: "vpc", companyUUID: acme.uuid))
                #expect(try await store.defaultPlane(for: acme.uuid) == nil)
            }
        },

        StoreBehaviour("heartbeats create an agent, then update it; answers count pings served") { fixture in
            try await withStore(fixture) { store in
                let acme = try await store.createCompany(name: "Acme")
                let plane = try await store.createDataPlane(companyUUID: acme.uuid, name: "vpc").plane
                try await store.recordHeartbeat(planeUUID: plane.uuid, agentID: "a1", version: "0.1", address: nil)
                try await store.recordHeartbeat(
                    planeUUID: plane.uuid, agentID: "a1", version: "0.2", address: "10.0.0.5")
                let agents = try await store.agents(planeUUID: plane.uuid)
                #expect(agents.count == 1)
                #expect(agents.first?.version == "0.2")
                #expect(agents.first?.address == "10.0.0.5")
                #expect(agents.first?.pingsServed == 0)
                let job = PlaneJob(
                    companyUUID: acme.uuid, planeUUID: plane.uuid, sealedPayload: Data([1, 2, 3]),
                    deadline: Date().addingTimeInterval(30))
                try await store.enqueueJob(job)
                let claimed = try #require(
                    try await store.claimJob(planeUUID: plane.uuid, companyUUID: acme.uuid, agentID: "a1"))
                #expect(claimed.uuid == job.uuid)
                #expect(claimed.state == .claimed)
                #expect(claimed.sealedPayload == Data([1, 2, 3]))
                #expect(
                    try await !store.answerJob(
                        uuid: job.uuid, planeUUID: plane.uuid, agentID: "a2", sealedReport: Data([9])))
                #expect(
                    try await store.answerJob(
                        uuid: job.uuid, planeUUID: plane.uuid, agentID: "a1", sealedReport: Data([9])))
                #expect(
                    try await !store.answerJob(
                        uuid: job.uuid, planeUUID: plane.uuid, agentID: "a1", sealedReport: Data([8])))
                #expect(try await store.agents(planeUUID: plane.uuid).first?.pingsServed == 1)
                let final = try #require(try await store.deleteJob(uuid: job.uuid))
                #expect(final.state == .answered)
                #expect(final.sealedReport == Data([9]))
                #expect(final.claimedBy == "a1")
                #expect(try await store.job(uuid: job.uuid) == nil)
                #expect(try await store.deleteJob(uuid: job.uuid) == nil)
            }
        },

        StoreBehaviour("a job is claimed once, by its own plane and company, and never after its deadline") { fixture in
            try await withStore(fixture) { store in
                let acme = try await store.createCompany(name: "Acme")
                let other = try await store.createCompany(name: "Other")
                let plane = try await store.createDataPlane(companyUUID: acme.uuid, name: "vpc").plane
                let foreign = try await store.createDataPlane(companyUUID: other.uuid, name: "vpc").plane
                let expired = PlaneJob(
                    companyUUID: acme.uuid, planeUUID: plane.uuid, sealedPayload: Data([0]),
                    deadline: Date().addingTimeInterval(-1))
                try await store.enqueueJob(expired)
                let jobs = (0..<20).map { _ in
                    PlaneJob(
                        companyUUID: acme.uuid, planeUUID: plane.uuid, sealedPayload: Data([1]),
                        deadline: Date().addingTimeInterval(60))
                }
                for job in jobs { try await store.enqueueJob(job) }
                // Company B's plane (same name) and a forged company scope claim nothing of A's.
                #expect(try await store.claimJob(planeUUID: foreign.uuid, companyUUID: other.uuid, agentID: "b") == nil)
                #expect(try await store.claimJob(planeUUID: plane.uuid, companyUUID: other.uuid, agentID: "b") == nil)
                // 40 concurrent claimers for 20 jobs: each job goes to exactly one.
                let claimed = try await withThrowingTaskGroup(of: UUID?.self) { group in
                    for index in 0..<40 {
                        group.addTask {
                            try await store.claimJob(
                                planeUUID: plane.uuid, companyUUID: acme.uuid, agentID: "a\(index)")?
                                .uuid
                        }
                    }
                    var all: [UUID] = []
                    for try await uuid in group { if let uuid { all.append(uuid) } }
                    return all
                }
                #expect(claimed.count == 20)
                #expect(Set(claimed) == Set(jobs.map(\.uuid)))
                #expect(try await store.job(uuid: expired.uuid)?.state == .queued)
            }
        },

        StoreBehaviour("a report that goes on as a poll claims the next job of its plane only; an answer is taken once")
        { fixture in
            try await withStore(fixture) { store in
                let acme = try await store.createCompany(name: "Acme")
                let other = try await store.createCompany(name: "Other")
                let plane = try await store.createDataPlane(companyUUID: acme.uuid, name: "vpc").plane
                let foreign = try await store.createDataPlane(companyUUID: other.uuid, name: "vpc").plane
                try await store.recordHeartbeat(planeUUID: plane.uuid, agentID: "a1", version: "0.1", address: nil)
                func job(_ company: UUID, _ plane: UUID) -> PlaneJob {
                    PlaneJob(
                        companyUUID: company, planeUUID: plane, sealedPayload: Data([1]),
                        deadline: Date().addingTimeInterval(60))
                }
                let first = job(acme.uuid, plane.uuid)
                try await store.enqueueJob(first, announce: false)
                try await store.enqueueJob(job(other.uuid, foreign.uuid), announce: true)
                #expect(try await store.claimJob(planeUUID: plane.uuid, companyUUID: acme.uuid, agentID: "a1") != nil)
                #expect(try await store.takeAnswer(uuid: first.uuid)?.state == .claimed)  // not answered: kept
                // Another agent's report of it is refused and claims nothing.
                let wrong = try await store.answerJobAndClaimNext(
                    uuid: first.uuid, planeUUID: plane.uuid, companyUUID: acme.uuid, agentID: "a2",
                    sealedReport: Data([7]), announce: true)
                #expect(!wrong.answered && wrong.next == nil)
                let second = job(acme.uuid, plane.uuid)
                try await store.enqueueJob(second, announce: true)
                let taken = try await store.answerJobAndClaimNext(
                    uuid: first.uuid, planeUUID: plane.uuid, companyUUID: acme.uuid, agentID: "a1",
                    sealedReport: Data([9]), announce: true)
                #expect(taken.answered)
                #expect(taken.next?.uuid == second.uuid)
                #expect(taken.next?.state == .claimed && taken.next?.claimedBy == "a1")
                #expect(try await store.agents(planeUUID: plane.uuid).first?.pingsServed == 1)
                // Nothing of A's is left queued, and B's job is never A's.
                let last = try await store.answerJobAndClaimNext(
                    uuid: second.uuid, planeUUID: plane.uuid, companyUUID: acme.uuid, agentID: "a1",
                    sealedReport: Data([8]), announce: false)
                #expect(last.answered && last.next == nil)
                let answer = try #require(try await store.takeAnswer(uuid: first.uuid))
                #expect(answer.state == .answered && answer.sealedReport == Data([9]))
                #expect(try await store.takeAnswer(uuid: first.uuid) == nil)  // taken: gone
                #expect(try await store.job(uuid: second.uuid)?.state == .answered)
            }
        },

        StoreBehaviour("a job's payload and report are stored as given (the caller seals them)") { fixture in
            try await withStore(fixture) { store in
                let acme = try await store.createCompany(name: "Acme")
                let plane = try await store.createDataPlane(companyUUID: acme.uuid, name: "vpc").plane
                let sealer = SecretSealer(MasterKey.generate())
                let secret = Data("PLANE-JOB-SECRET-PASSWORD-0001".utf8)
                let job = PlaneJob(
                    companyUUID: acme.uuid, planeUUID: plane.uuid,
                    sealedPayload: try sealer.seal(secret, associatedData: "plane-job:x"),
                    deadline: Date().addingTimeInterval(60))
                try await store.enqueueJob(job)
                let rows = try await rawRows(store, .planeJobs).joined()
                for form in TunnelSamples.leakForms(of: secret) { #expect(!rows.contains(form)) }
                let read = try #require(try await store.job(uuid: job.uuid))
                #expect(try sealer.open(read.sealedPayload, associatedData: "plane-job:x") == secret)
            }
        },
    ]
}
