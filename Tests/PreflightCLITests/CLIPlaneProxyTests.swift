import Foundation
import PreflightTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `preflight agent` behind an HTTPS proxy: the control plane is https:// (scripts/peers/tls_front.py, the
/// TLS-terminating load balancer, in front of `preflight serve`) and the agent's only way out is the
/// CONNECT proxy named by `HTTPS_PROXY` or `https_proxy` (scripts/peers/connect_proxy.py, which logs each
/// tunnel). The agent must trust the test CA and nothing else may change on the host, so it runs in a
/// mount namespace of its own where the test CA's file is mounted over libcurl's CA bundle.
@Suite("Data planes: an agent behind an HTTPS proxy", .serialized, .timeLimit(.minutes(3)))
struct CLIPlaneProxyTests {
    static let bundle = "/etc/ssl/certs/ca-certificates.crt"
    static let proxyVariables = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"]

    static var canMount: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")
            && FileManager.default.fileExists(atPath: bundle)
    }

    static func peer(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/peers/\(name)").path
    }

    /// A peer script started with python3, once it printed `listening PORT`; its port.
    static func startPeer(_ arguments: [String]) async throws -> (AgentProcess, Int) {
        let process = try AgentProcess.start(arguments, executable: URL(fileURLWithPath: "/usr/bin/env"))
        #expect(await process.waitFor("listening ", timeout: .seconds(30), standardOutput: true), "\(process.stderr)")
        let line = process.stdout.split(separator: "\n").first { $0.hasPrefix("listening ") }
        let port = try #require(line.flatMap { Int($0.dropFirst("listening ".count)) }, "\(process.stdout)")
        return (process, port)
    }

    /// `unshare -m` with the test CA's file mounted over the CA bundle, then the agent.
    static func trustingOnly(_ caFile: String) -> [String] {
        [
            "/usr/bin/unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
            "mount --bind \"$0\" \(bundle) && exec \"$@\"", caFile,
        ]
    }

    @Test(
        "the agent reaches an https control plane only through the CONNECT proxy, and a ping through the plane answers",
        .enabled(if: canMount, "needs root and unshare to give the agent the test CA in a mount namespace; skipped"),
        arguments: ["HTTPS_PROXY", "https_proxy"])
    func agentBehindProxy(variable: String) async throws {
        let world = try await PlaneWorld.start()
        defer { Task { await world.stop() } }
        let token = try await world.createPlane("vpc")
        let directory = world.directory.path
        try TestPKI.serverCertificatePEM.write(toFile: "\(directory)/server.pem", atomically: true, encoding: .utf8)
        try TestPKI.serverKeyPEM.write(toFile: "\(directory)/server.key", atomically: true, encoding: .utf8)
        try TestPKI.caPEM.write(toFile: "\(directory)/ca.pem", atomically: true, encoding: .utf8)
        let backend = try #require(world.serve.baseURL.split(separator: ":").last.flatMap { Int($0) })
        let (front, frontPort) = try await Self.startPeer([
            "python3", Self.peer("tls_front.py"), "\(directory)/server.pem", "\(directory)/server.key", "\(backend)",
        ])
        defer { Task { await front.stop() } }
        let (proxy, proxyPort) = try await Self.startPeer(["python3", Self.peer("connect_proxy.py")])
        defer { Task { await proxy.stop() } }
        let controlPlane = "https://127.0.0.1:\(frontPort)"

        // With the proxy variable naming a closed port, the agent cannot reach the control plane at all:
        // it does not go around the proxy.
        let blocked = try AgentProcess.start(
            [
                "agent", "--control-plane", controlPlane, "--agent-id", "agent-blocked", "--concurrency", "1",
                "--allow-loopback",
            ],
            environment: ["PREFLIGHT_AGENT_TOKEN": token, variable: "http://127.0.0.1:\(closedPort())"],
            wrapper: Self.trustingOnly("\(directory)/ca.pem"), unset: Self.proxyVariables)
        #expect(await blocked.waitFor("control plane unreachable", timeout: .seconds(30)), "\(blocked.stderr)")
        await blocked.stop()
        #expect(!blocked.stderr.contains("connected to"), "\(blocked.stderr)")

        let agent = try AgentProcess.start(
            [
                "agent", "--control-plane", controlPlane, "--agent-id", "agent-proxied", "--concurrency", "1",
                "--allow-loopback",
            ],
            environment: ["PREFLIGHT_AGENT_TOKEN": token, variable: "http://127.0.0.1:\(proxyPort)"],
            wrapper: Self.trustingOnly("\(directory)/ca.pem"), unset: Self.proxyVariables)
        defer { Task { await agent.stop() } }
        #expect(await agent.waitFor("connected to \(controlPlane)"), "\(agent.stderr)")
        #expect(proxy.stdout.contains("CONNECT 127.0.0.1:\(frontPort)"), "\(proxy.stdout)")

        let answer = try await world.ping(CLIPlaneTests.payload(port: closedPort(), plane: "vpc"))
        #expect(answer.status == 200, "\(answer.text)")
        #expect(answer.report["category"] as? String == "refused", "\(answer.text)")
        #expect(answer.report["agent"] as? String == "agent-proxied", "\(answer.text)")
        #expect(!proxy.stdout.contains("REFUSED"), "\(proxy.stdout)")
        #expect(!agent.stderr.contains(CLIPlaneTests.password))
    }
}
