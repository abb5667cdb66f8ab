import Foundation
import PreflightTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Several `preflight serve` instances on one PostgreSQL store: the queue is the store, so a ping
/// arriving at one instance is served by an agent connected to another, and an agent given several
/// instances moves to a live one when its instance is killed.
@Suite("Data planes: many instances over PostgreSQL", .serialized, .timeLimit(.minutes(3)))
struct CLIFleetTests {
    @Test("a ping at instance A is served by an agent connected to B; kill -9 B and the agent moves to A")
    func pingAcrossInstances() async throws {
        guard let database = try ScratchPostgresDatabase.create() else {
            #expect(!TestEnvironment.requireIntegration, "PREFLIGHT_TEST_PG_HOST/PORT/SUPERUSER not set")
            return
        }
        defer { database.drop() }
        let directory = try CLI.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let options = [
            "--store", database.url, "--master-key-file", "\(directory.path)/master.key", "--agent-poll-seconds", "2",
        ]
        let a = try await ServeProcess.start(options)
        let b = try await ServeProcess.start(options)
        defer {
            a.send(SIGKILL)
            b.send(SIGKILL)
        }
        let key = try #require(a.bootstrapKey)
        let created = try await HTTPCall(
            "POST", "\(a.baseURL)/data-planes", key: key, body: "{\"name\": \"fleet\"}"
        ).answer()
        let token = try #require(created.json["token"] as? String, "\(created.text)")
        let agent = try AgentProcess.start(
            [
                "agent", "--control-plane", b.baseURL, "--control-plane", a.baseURL, "--agent-id", "fleet-agent",
                "--concurrency", "1", "--allow-loopback",
            ], environment: ["PREFLIGHT_AGENT_TOKEN": token])
        defer { Task { await agent.stop() } }
        #expect(await agent.waitFor("connected to \(b.baseURL)"), "\(agent.stderr)")

        let body = """
            {"type": "postgresql", "timeoutSeconds": 10, "dataPlaneName": "fleet", "sharedConfig": \
            {"host": "127.0.0.1", "port": \(closedPort()), "user": "u", "password": "Fleet-Pw-77"}}
            """
        let first = try await HTTPCall("POST", "\(a.baseURL)/connectors/ping?verbose=true", key: key, body: body)
            .answer(timeout: 60)
        #expect(first.report["agent"] as? String == "fleet-agent", "\(first.text)")
        #expect(first.report["category"] as? String == "refused", "\(first.text)")

        b.send(SIGKILL)
        _ = await b.waitForExit()
        #expect(await agent.waitFor("connected to \(a.baseURL)"), "\(agent.stderr)")
        let second = try await HTTPCall("POST", "\(a.baseURL)/connectors/ping?verbose=true", key: key, body: body)
            .answer(timeout: 60)
        #expect(second.report["agent"] as? String == "fleet-agent", "\(second.text)")
        #expect(second.report["dataPlane"] as? String == "fleet")
    }
}
