import Foundation
import PreflightTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Data planes end to end: `preflight serve` and `preflight agent` as separate processes on loopback.
/// The service runs without `--allow-loopback` and the agent with it, so where a ping ran shows in its
/// answer: on the service a loopback target is `egress_denied`, on the agent it is dialled.
@Suite("Data planes: serve and agents as processes", .serialized, .timeLimit(.minutes(3)))
struct CLIPlaneTests {
    static let password = "Plane-Pw-9f3b7c1e"

    static func payload(port: Int, plane: String?, timeout: Double = 10) -> String {
        let planeField = plane.map { ", \"dataPlaneName\": \"\($0)\"" } ?? ""
        return """
            {"type": "postgresql", "timeoutSeconds": \(timeout)\(planeField), "sharedConfig": {"host": "127.0.0.1", \
            "port": \(port), "user": "preflight", "password": "\(password)", "database": "postgres"}}
            """
    }

    @Test("a ping naming a plane runs on that plane's agent and says so; the listing counts it")
    func pingRunsOnAgent() async throws {
        let world = try await PlaneWorld.start()
        defer { Task { await world.stop() } }
        let token = try await world.createPlane("vpc")
        let port = closedPort()

        let local = try await world.ping(Self.payload(port: port, plane: nil))
        #expect(local.status == 200)
        #expect(local.report["category"] as? String == "egress_denied", "\(local.text)")
        #expect(local.report["dataPlane"] as? String == "local")

        let agent = try await world.startAgent(token: token, id: "agent-one")
        let remote = try await world.ping(Self.payload(port: port, plane: "vpc"))
        #expect(remote.status == 200)
        #expect(remote.report["category"] as? String == "refused", "\(remote.text)")
        #expect(remote.report["dataPlane"] as? String == "vpc")
        #expect(remote.report["agent"] as? String == "agent-one")
        #expect(!remote.text.contains(Self.password))

        let listing = try await HTTPCall("GET", "\(world.serve.baseURL)/data-planes", key: world.key).answer()
        let plane = try #require((listing.json["items"] as? [[String: Any]])?.first)
        let agents = try #require(plane["agents"] as? [[String: Any]])
        #expect(agents.count == 1)
        #expect(agents.first?["agentId"] as? String == "agent-one")
        #expect(agents.first?["online"] as? Bool == true)
        #expect(agents.first?["pingsServed"] as? Int == 1)
        #expect(agents.first?["versionMismatch"] as? Bool == false)
        // The TCP peer of the agent's connection (no X-Forwarded-For is trusted without --trust-forwarded-for).
        #expect(agents.first?["address"] as? String == "127.0.0.1", "\(listing.text)")
        #expect(plane["token"] == nil)
        #expect(!listing.text.contains(token))

        // The CLI against the service: the same ping on the plane; its text output names where it ran.
        let cli = try CLI.run(
            ["ping", "--payload", "-", "--service", world.serve.baseURL, "--plane", "vpc"],
            stdin: Self.payload(port: port, plane: nil), environment: ["PREFLIGHT_API_KEY": world.key])
        #expect(cli.code == 2, "\(cli.stdout)\(cli.stderr)")
        #expect(cli.stdout.contains("ran on data plane vpc, agent agent-one"), "\(cli.stdout)")
        #expect(!cli.stdout.contains(Self.password) && !cli.stderr.contains(Self.password))

        await agent.stop()
        for log in [agent.stderr, world.serve.stderr] {
            #expect(!log.contains(Self.password))
            #expect(!log.contains(token))
        }
    }

    @Test("an agent's address is its connection's peer; X-Forwarded-For counts only with --trust-forwarded-for")
    func agentAddress() async throws {
        for trusted in [false, true] {
            let world = try await PlaneWorld.start(trusted ? ["--trust-forwarded-for"] : [])
            let token = try await world.createPlane("vpc")
            var poll = HTTPCall(
                "POST", "\(world.serve.baseURL)/agent/v1/poll", key: token,
                body: "{\"agentID\": \"forwarded\", \"version\": \"0\"}")
            poll.headers = ["X-Forwarded-For: 203.0.113.9, 10.0.0.1"]
            let polled = try await poll.answer(timeout: 30)
            #expect(polled.status == 204, "\(polled.text)")
            let listing = try await HTTPCall("GET", "\(world.serve.baseURL)/data-planes", key: world.key).answer()
            let agents = (listing.json["items"] as? [[String: Any]])?.first?["agents"] as? [[String: Any]]
            #expect(agents?.first?["address"] as? String == (trusted ? "203.0.113.9" : "127.0.0.1"), "\(listing.text)")
            await world.stop()
        }
    }

    @Test("no agent: data_plane_unavailable at once; another company's plane is unknown and its agent gets nothing")
    func noAgentAndCompanies() async throws {
        let world = try await PlaneWorld.start()
        defer { Task { await world.stop() } }
        _ = try await world.createPlane("vpc")
        let port = closedPort()
        // A deadline far beyond curl's own limit: an answer proves it did not wait for the deadline.
        let none = try await HTTPCall(
            "POST", "\(world.serve.baseURL)/connectors/ping", key: world.key,
            body: Self.payload(port: port, plane: "vpc", timeout: 120)
        ).answer(timeout: 30)
        #expect(none.status == 200, "\(none.text)")
        #expect(none.report["category"] as? String == "data_plane_unavailable")
        #expect(none.report["transient"] as? Bool == true)
        #expect(none.report["dataPlane"] as? String == "vpc")
        let error = try #require(none.json["error"] as? String)
        #expect(error.contains("vpc") && error.contains("no agent has ever connected"), "\(error)")

        let otherKey = try world.keyOfCompany("Other")
        let otherToken = try await world.createPlane("theirs", key: otherKey)
        _ = try await world.createPlane("vpc", key: otherKey)
        let foreign = try await world.ping(Self.payload(port: port, plane: "theirs"))
        #expect(foreign.status == 400)
        #expect((foreign.json["error"] as? String)?.contains("unknown dataPlaneName") == true, "\(foreign.text)")

        // Company B's agent polls (its plane "theirs") while A pings its own "vpc": B never gets it.
        let theirs = try await world.startAgent(token: otherToken, id: "their-agent")
        let again = try await world.ping(Self.payload(port: port, plane: "vpc"))
        #expect(again.report["category"] as? String == "data_plane_unavailable")
        #expect(again.report["agent"] == nil)
        await theirs.stop()
        #expect(!theirs.stderr.contains("claimed a job"))
    }

    @Test("a rotated token makes the connected agent exit non-zero saying the token is not valid")
    func rotatedTokenStopsAgent() async throws {
        let world = try await PlaneWorld.start()
        defer { Task { await world.stop() } }
        let token = try await world.createPlane("vpc")
        let agent = try await world.startAgent(token: token, id: "agent-rot")
        let rotated = try await HTTPCall(
            "POST", "\(world.serve.baseURL)/data-planes/vpc/rotate-token", key: world.key
        ).answer()
        #expect(rotated.status == 200)
        #expect((rotated.json["token"] as? String).map { $0 != token && $0.hasPrefix("ardp_") } == true)
        let code = await agent.waitForExit(timeout: .seconds(30))
        #expect(code != 0)
        #expect(agent.stderr.contains("the agent token is not valid"), "\(agent.stderr)")

        let garbage = try CLI.run(
            ["agent", "--control-plane", world.serve.baseURL],
            environment: ["PREFLIGHT_AGENT_TOKEN": "ardp_" + String(repeating: "x", count: 40)], timeout: .seconds(30))
        #expect(garbage.code != 0)
        #expect(garbage.stderr.contains("the agent token is not valid"), "\(garbage.stderr)")
    }

    @Test("an agent killed mid-ping: the ping still ends, by its deadline, with data_plane_unavailable")
    func agentKilledMidPing() async throws {
        let world = try await PlaneWorld.start()
        defer { Task { await world.stop() } }
        let token = try await world.createPlane("vpc")
        let silent = try await HostilePeer(.silent)
        defer { Task { await silent.shutdown() } }
        let agent = try await world.startAgent(token: token, id: "agent-doomed")
        let body = Self.payload(port: silent.port, plane: "vpc", timeout: 8)
        let ping = Task { try await world.ping(body) }
        #expect(await agent.waitFor("claimed a job"), "\(agent.stderr)")
        agent.send(SIGKILL)
        _ = await agent.waitForExit()
        let answer = try await ping.value
        #expect(answer.status == 200)
        #expect(answer.report["category"] as? String == "data_plane_unavailable", "\(answer.text)")
        let error = try #require(answer.json["error"] as? String)
        #expect(error.contains("agent-doomed") && error.contains("sent no report"), "\(error)")
    }
}
