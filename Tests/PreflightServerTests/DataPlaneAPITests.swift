import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PreflightCore
import PreflightServices
import PreflightStore
import Testing

@testable import PreflightServer

/// `/data-planes` and the agents' protocol, in process (HummingbirdTesting), the agent played by the test.
@Suite("Data planes API")
struct DataPlaneAPITests {
    static var shortPolls: ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.agentPollHold = .milliseconds(300)
        return configuration
    }

    static let password = "Plane-Secret-5d1e"

    static func payload(plane: String, timeout: Double = 20) -> String {
        """
        {"type": "postgresql", "dataPlaneName": "\(plane)", "timeoutSeconds": \(timeout), "sharedConfig": \
        {"host": "db.internal", "port": 5432, "user": "app", "password": "\(password)"}}
        """
    }

    static func object(_ response: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.text.utf8))) as? [String: Any] ?? [:]
    }

    /// The agent's report of `job`, as `preflight agent` posts it.
    static func postReport(
        _ client: any TestClientProtocol, token: String, agent: String, job: UUID, report: PingReport
    ) async throws -> TestResponse {
        try await client.execute(
            uri: "/agent/v1/jobs/\(job.uuidString.lowercased())/report", method: .post,
            headers: [
                .authorization: "Bearer \(token)", HTTPField.Name(AgentWire.agentIDHeader)!: agent,
                .contentType: "application/json",
            ],
            body: ByteBuffer(bytes: try JSONEncoder().encode(report)))
    }

    static func poll(_ client: any TestClientProtocol, token: String, agent: String) async throws -> TestResponse {
        try await client.json(
            .post, "/agent/v1/poll", "{\"agentID\": \"\(agent)\", \"version\": \"\(PreflightVersion.current)\"}",
            headers: [.authorization: "Bearer \(token)"])
    }

    @Test("create, list, rotate, default and delete; names are checked; another company sees nothing")
    func management() async throws {
        try await withTestAPI(server: Self.shortPolls) { client, context in
            let created = try await client.json(
                .post, "/data-planes", "{\"name\": \"prod-vpc\"}", headers: context.auth)
            #expect(created.status == .ok)
            let token = try #require(Self.object(created)["token"] as? String)
            #expect(token.hasPrefix("ardp_") && token.count == 45)
            for (body, mention, status) in [
                ("{\"name\": \"prod-vpc\"}", "already exists", HTTPResponse.Status.conflict),
                ("{\"name\": \"local\"}", "own data plane", .conflict),
                ("{\"name\": \"a b\"}", "name must be", .badRequest),
                ("{}", "name is required", .badRequest), ("[1]", "JSON object", .badRequest),
            ] {
                let refused = try await client.json(.post, "/data-planes", body, headers: context.auth)
                #expect(refused.status == status, "\(body)")
                #expect(refused.text.contains(mention), "\(body): \(refused.text)")
            }
            let list = try await client.json(.get, "/data-planes", headers: context.auth)
            let items = try #require(Self.object(list)["items"] as? [[String: Any]])
            #expect(items.map { $0["name"] as? String } == ["prod-vpc"])
            #expect(items.first?["online"] as? Bool == false)
            #expect(!list.text.contains(token))
            #expect(Self.object(list)["defaultPlane"] as? String == "local")

            let other = try await context.store.createCompany(name: "Other")
            let otherKey = try await context.store.issueKey(for: other.uuid).secret
            let otherAuth: HTTPFields = [.authorization: "Bearer \(otherKey)"]
            let theirs = try await client.json(.get, "/data-planes", headers: otherAuth)
            #expect((Self.object(theirs)["items"] as? [Any])?.isEmpty == true)
            #expect(
                try await client.json(.post, "/data-planes/prod-vpc/rotate-token", headers: otherAuth).status
                    == .notFound)
            #expect(try await client.json(.delete, "/data-planes/prod-vpc", headers: otherAuth).status == .notFound)
            let foreignPing = try await client.ping(Self.payload(plane: "prod-vpc"), headers: otherAuth)
            #expect(foreignPing.status == .badRequest)
            #expect(foreignPing.text.contains("unknown dataPlaneName"))

            // A ping naming no plane runs here (and this instance now caches the company's default)...
            let unnamed = Self.payload(plane: "local").replacingOccurrences(
                of: #""dataPlaneName": "local", "#, with: "")
            #expect(!(try await client.ping(unnamed, headers: context.auth).text.contains("data_plane_unavailable")))
            let made = try await client.json(.post, "/data-planes/prod-vpc/make-default", headers: context.auth)
            #expect(Self.object(made)["defaultPlane"] as? String == "prod-vpc")
            // ...and the new default applies to the very next one: the cached default was forgotten.
            let defaulted = try await client.ping(unnamed, headers: context.auth)
            #expect(defaulted.text.contains("data_plane_unavailable") && defaulted.text.contains("prod-vpc"))
            let rotated = try await client.json(.post, "/data-planes/prod-vpc/rotate-token", headers: context.auth)
            let newToken = try #require(Self.object(rotated)["token"] as? String)
            #expect(newToken != token)
            #expect(try await Self.poll(client, token: token, agent: "a").status == .unauthorized)
            #expect(try await Self.poll(client, token: newToken, agent: "a").status == .noContent)
            #expect(try await client.json(.delete, "/data-planes/prod-vpc", headers: context.auth).status == .noContent)
            #expect(try await Self.poll(client, token: newToken, agent: "a").status == .unauthorized)
            #expect(try await client.json(.delete, "/data-planes/prod-vpc", headers: context.auth).status == .notFound)
        }
    }

    @Test("a ping is handed to a polling agent, sealed while queued; its report comes back redacted and marked")
    func pingThroughAgent() async throws {
        try await withTestAPI(server: Self.shortPolls) { client, context in
            let created = try await client.json(.post, "/data-planes", "{\"name\": \"vpc\"}", headers: context.auth)
            let token = try #require(Self.object(created)["token"] as? String)
            let other = try await context.store.createCompany(name: "Other")
            let otherToken = try await context.store.createDataPlane(companyUUID: other.uuid, name: "vpc").token

            // No agent has polled yet: answered at once.
            let none = try await client.ping(Self.payload(plane: "vpc", timeout: 120), headers: context.auth)
            #expect(none.status == .ok)
            #expect(none.text.contains("data_plane_unavailable") && none.text.contains("no agent has ever connected"))

            #expect(try await Self.poll(client, token: token, agent: "agent-a").status == .noContent)
            let ping = Task { try await client.ping(Self.payload(plane: "vpc"), headers: context.auth) }
            // Company B's agent of a plane with the same name gets nothing; A's agent gets the job.
            #expect(try await Self.poll(client, token: otherToken, agent: "agent-b").status == .noContent)
            var job: AgentWire.Job?
            for _ in 0..<100 where job == nil {
                let answer = try await Self.poll(client, token: token, agent: "agent-a")
                if answer.status == .ok {
                    job = try JSONDecoder().decode(AgentWire.Job.self, from: Data(answer.text.utf8))
                }
            }
            let claimed = try #require(job)
            #expect(claimed.plane == "vpc")
            // The agent gets the config in the clear (over its authenticated connection) ...
            #expect(String(decoding: try JSONEncoder().encode(claimed.payload), as: UTF8.self).contains(Self.password))
            // ... while the row holding it is sealed.
            let stored = try #require(try await context.store.job(uuid: claimed.job))
            #expect(stored.state == .claimed)
            #expect(!String(decoding: stored.sealedPayload, as: UTF8.self).contains(Self.password))
            #expect(
                !stored.sealedPayload.base64EncodedString().contains(Data(Self.password.utf8).base64EncodedString()))

            let report = PingReport(
                ok: false, type: .postgresql, category: .auth, transient: false,
                message: "password \(Self.password) was rejected", durationMs: 3, dataPlane: "whatever")
            let posted = try await Self.postReport(
                client, token: token, agent: "agent-a", job: claimed.job, report: report)
            #expect(posted.status == .noContent)
            let answer = try await ping.value
            #expect(answer.status == .ok)
            let body = Self.object(answer)
            let wire = try #require(body["report"] as? [String: Any])
            #expect(wire["category"] as? String == "auth")
            #expect(wire["dataPlane"] as? String == "vpc")
            #expect(wire["agent"] as? String == "agent-a")
            #expect(!answer.text.contains(Self.password))
            #expect(try await context.store.job(uuid: claimed.job) == nil)
            #expect(!context.logs.lines.joined(separator: "\n").contains(Self.password))

            let list = try await client.json(.get, "/data-planes", headers: context.auth)
            let agents = try #require(
                (Self.object(list)["items"] as? [[String: Any]])?.first?["agents"] as? [[String: Any]])
            #expect(agents.first?["pingsServed"] as? Int == 1)
            #expect(agents.first?["online"] as? Bool == true)
        }
    }
}
