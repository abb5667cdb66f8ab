import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A `preflight serve` on a scratch SQLite store with short agent polls, its bootstrap key, and the
/// calls the data-plane tests make against it.
struct PlaneWorld {
    let directory: URL
    let serve: ServeProcess
    let key: String

    /// Starts the service (without `--allow-loopback`: its own pings may not dial this host).
    static func start(_ extra: [String] = []) async throws -> PlaneWorld {
        let directory = try CLI.scratchDirectory()
        let serve = try await ServeProcess.start(
            [
                "--store", "sqlite:\(directory.path)/store.sqlite", "--master-key-file", "\(directory.path)/master.key",
                "--agent-poll-seconds", "2",
            ] + extra)
        let key = try #require(serve.bootstrapKey)
        return PlaneWorld(directory: directory, serve: serve, key: key)
    }

    /// A key of another company, issued on the same store.
    func keyOfCompany(_ name: String) throws -> String {
        let result = try CLI.run([
            "keys", "create", "--company", name, "--store", "sqlite:\(directory.path)/store.sqlite",
            "--master-key-file", "\(directory.path)/master.key",
        ])
        #expect(result.code == 0, "\(result.stderr)")
        return try #require(result.stdout.split(separator: "\n").last.map(String.init))
    }

    /// Creates a plane with `key`; its agent token.
    func createPlane(_ name: String, key: String? = nil) async throws -> String {
        let answer = try await HTTPCall(
            "POST", "\(serve.baseURL)/data-planes", key: key ?? self.key, body: "{\"name\": \"\(name)\"}"
        ).answer()
        #expect(answer.status == 200, "\(answer.text)")
        return try #require(answer.json["token"] as? String)
    }

    /// `preflight agent` for `token`, connected (its `connected` log line printed).
    func startAgent(
        token: String, id: String, extra: [String] = ["--allow-loopback"], wrapper: [String] = [], url: String? = nil
    )
        async throws -> AgentProcess
    {
        let agent = try AgentProcess.start(
            ["agent", "--control-plane", url ?? serve.baseURL, "--agent-id", id, "--concurrency", "2"] + extra,
            environment: ["PREFLIGHT_AGENT_TOKEN": token], wrapper: wrapper)
        let connected = await agent.waitFor("connected")
        #expect(connected, "the agent did not connect: \(agent.stderr)")
        return agent
    }

    /// `POST /connectors/ping?verbose=true` with `body`.
    func ping(_ body: String, key: String? = nil) async throws -> HTTPCall.Answer {
        try await HTTPCall("POST", "\(serve.baseURL)/connectors/ping?verbose=true", key: key ?? self.key, body: body)
            .answer(timeout: 90)
    }

    func stop() async {
        serve.send(SIGKILL)
        _ = await serve.waitForExit(timeout: .seconds(10))
        try? FileManager.default.removeItem(at: directory)
    }
}

extension HTTPCall.Answer {
    /// `report` of a ping's answer.
    var report: [String: Any] { json["report"] as? [String: Any] ?? [:] }
}
