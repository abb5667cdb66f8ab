import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The proof that a ping with `dataPlaneName` runs inside the plane's network: a PostgreSQL reachable
/// only from inside a Linux network namespace (scripts/peers/netns-postgres.sh), an agent inside that
/// namespace, the service outside it. The same payload is `unreachable` from the service and works
/// (204) through the plane.
@Suite("Data planes: a network only the agent can reach", .serialized, .timeLimit(.minutes(3)))
struct CLINetnsPlaneTests {
    static var canUseNamespaces: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip")
            && FileManager.default.isExecutableFile(
                atPath: (ProcessInfo.processInfo.environment["PG_BINDIR"] ?? "/usr/lib/postgresql/15/bin") + "/initdb")
    }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/peers/netns-postgres.sh").path
    }

    /// Runs scripts/peers/netns-postgres.sh with `system()` on a thread of its own (Foundation's Process
    /// did not reap this script's exit here: its pg_ctl leaves a daemon behind), returning its exit code
    /// and what it printed.
    static func namespaceScript(_ arguments: [String]) async -> (code: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("netns-\(UUID().uuidString).log").path
        let command = (["/bin/bash", script] + arguments).map { "'\($0)'" }.joined(separator: " ") + " >'\(log)' 2>&1"
        let code = await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            Thread.detachNewThread { continuation.resume(returning: system(command)) }
        }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: log)
        return (code, output)
    }

    @Test(
        "the same payload: unreachable from the service, 204 through an agent inside the namespace",
        .enabled(
            if: canUseNamespaces,
            "needs root, /usr/sbin/ip and the PostgreSQL binaries (PG_BINDIR) to build a network namespace; skipped")
    )
    func pingRunsInsidePlane() async throws {
        let index = Int.random(in: 10...240)
        let name = "preflight-plane-\(index)"
        _ = await Self.namespaceScript(["down", name, "\(index)"])
        let up = await Self.namespaceScript(["up", name, "\(index)"])
        try #require(up.code == 0, "netns-postgres.sh up failed: \(up.output)")
        do {
            try await Self.pingBothWays(namespace: name, index: index)
        } catch {
            _ = await Self.namespaceScript(["down", name, "\(index)"])
            throw error
        }
        _ = await Self.namespaceScript(["down", name, "\(index)"])
    }

    static func pingBothWays(namespace name: String, index: Int) async throws {
        let hostIP = "10.213.\(index).1"
        let databaseIP = "10.214.\(index).1"

        let world = try await PlaneWorld.start(["--host", "0.0.0.0"])
        defer { Task { await world.stop() } }
        let token = try await world.createPlane("inside")
        let agent = try await world.startAgent(
            token: token, id: "netns-agent", extra: ["--allow-loopback", "--allow-insecure-http"],
            wrapper: ["/usr/sbin/ip", "netns", "exec", name], url: "http://\(hostIP):\(world.serve.port)")
        defer { Task { await agent.stop() } }

        func payload(_ plane: String?) -> String {
            let field = plane.map { ", \"dataPlaneName\": \"\($0)\"" } ?? ""
            return """
                {"type": "postgresql", "timeoutSeconds": 8\(field), "sharedConfig": {"host": "\(databaseIP)", \
                "port": 5432, "user": "postgres", "password": "unused-Pw-41", "database": "postgres"}}
                """
        }
        let outside = try await world.ping(payload(nil))
        #expect(outside.status == 200, "\(outside.text)")
        #expect(["unreachable", "timeout"].contains(outside.report["category"] as? String ?? ""), "\(outside.text)")
        #expect(outside.report["dataPlane"] as? String == "local")

        let inside = try await HTTPCall(
            "POST", "\(world.serve.baseURL)/connectors/ping", key: world.key, body: payload("inside")
        ).answer(timeout: 60)
        #expect(inside.status == 204, "\(inside.text) agent log: \(agent.stderr)")

        let verbose = try await world.ping(payload("inside"))
        #expect(verbose.report["ok"] as? Bool == true, "\(verbose.text)")
        #expect(verbose.report["dataPlane"] as? String == "inside")
        #expect(verbose.report["agent"] as? String == "netns-agent")
    }
}
