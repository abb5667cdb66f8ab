import Foundation
import PreflightTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `preflight serve` on SIGTERM/SIGINT, through the real binary: the pings running finish with their
/// categorised answer, new requests get 503 with `Retry-After`, `/healthz` says `draining`, and the
/// process exits 0 once the last answer is out.
@Suite("preflight serve drains on SIGTERM")
struct CLIDrainTests {
    /// A fresh store and master key, with loopback allowed so a ping can reach the test's peer, and a
    /// ping deadline far beyond the test (the held ping ends only when the test lets it).
    private static func serve(_ extra: [String] = []) async throws -> (ServeProcess, key: String) {
        let directory = try CLI.scratchDirectory()
        let serve = try await ServeProcess.start(
            [
                "--store", "sqlite:\(directory.path)/p.sqlite", "--master-key-file", "\(directory.path)/k.key",
                "--allow-loopback", "--timeout", "120",
            ] + extra)
        let key = try #require(serve.bootstrapKey, "no bootstrap key printed: \(serve.stdout)")
        return (serve, key)
    }

    /// A PostgreSQL ping to a peer that accepts and says nothing: it runs until the peer hangs up.
    private static func holdAPing(_ serve: ServeProcess, key: String) async throws -> (
        HostilePeer, Task<HTTPCall.Answer, any Error>
    ) {
        let peer = try await HostilePeer(.silent)
        let held = Task {
            try await HTTPCall(
                "POST", "\(serve.baseURL)/connectors/ping", key: key,
                body:
                    #"{"type":"postgresql","sharedConfig":{"host":"127.0.0.1","port":\#(peer.port),"user":"u","sslMode":"disable"}}"#
            ).answer()
        }
        #expect(await eventually(within: .seconds(60)) { peer.connectionCount == 1 }, "the ping never reached the peer")
        return (peer, held)
    }

    /// Asks `url` every 20 ms while it answers 200 (60 s at most); the first other answer.
    private static func waitWhileHealthy(_ url: String) async throws -> HTTPCall.Answer {
        var health = try await HTTPCall("GET", url).answer()
        let end = ContinuousClock.now + .seconds(60)
        while health.status == 200, ContinuousClock.now < end {
            try await Task.sleep(for: .milliseconds(20))
            health = try await HTTPCall("GET", url).answer()
        }
        return health
    }

    @Test func aRunningPingFinishesNewRequestsGet503AndTheProcessExits0() async throws {
        let (serve, key) = try await Self.serve()
        let (peer, held) = try await Self.holdAPing(serve, key: key)
        serve.send(SIGTERM)
        let health = try await Self.waitWhileHealthy("\(serve.baseURL)/healthz")
        #expect(health.status == 503, "\(health.status) \(health.text)")
        #expect(health.json["status"] as? String == "draining", "\(health.text)")

        // New work is turned away, in words and with Retry-After, while the held ping still runs.
        let newPing = try await HTTPCall(
            "POST", "\(serve.baseURL)/connectors/ping", key: key,
            body: #"{"type":"postgresql","sharedConfig":{"host":"127.0.0.1","port":\#(peer.port),"user":"u"}}"#
        ).answer()
        #expect(newPing.status == 503, "\(newPing.status) \(newPing.text)")
        #expect((newPing.json["error"] as? String)?.contains("shutting down") == true, "\(newPing.text)")
        #expect(newPing.headers["retry-after"].flatMap { Int($0) } != nil, "\(newPing.headers)")
        let newTunnel = try await HTTPCall(
            "POST", "\(serve.baseURL)/ssh-tunnels", key: key, body: #"{"host":"bastion.example.com","username":"u"}"#
        ).answer()
        #expect(newTunnel.status == 503, "\(newTunnel.status) \(newTunnel.text)")
        #expect(peer.connectionCount == 1, "a ping admitted after SIGTERM reached the peer")
        #expect(serve.isRunning, "the process exited with a ping still running")

        // The peer hangs up: the held ping ends with its categorised answer, then the process exits 0.
        await peer.shutdown()
        let answer = try await held.value
        #expect(answer.status == 200, "\(answer.status) \(answer.text)")
        let report = try #require(answer.json["report"] as? [String: Any], "\(answer.text)")
        #expect(report["ok"] as? Bool == false)
        #expect(report["category"] as? String != nil, "\(answer.text)")
        #expect(answer.json["error"] as? String != nil, "\(answer.text)")
        let code = await serve.waitForExit()
        #expect(code == 0, "\(serve.stderr)")
        #expect(serve.stderr.contains("drained"), "\(serve.stderr)")
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func anIdleServerExits0(signal: Int32) async throws {
        let (serve, _) = try await Self.serve()
        let health = try await HTTPCall("GET", "\(serve.baseURL)/healthz").answer()
        #expect(health.status == 200)
        #expect(health.json["status"] as? String == "ok", "\(health.text)")
        serve.send(signal)
        let code = await serve.waitForExit()
        #expect(code == 0, "\(serve.stderr)")
        #expect(serve.stderr.contains("stopped"), "\(serve.stderr)")
    }

    @Test func theHealthPortSaysDrainingUntilTheLastAnswerThenTheProcessExits0() async throws {
        let (serve, key) = try await Self.serve(["--health-port", "0"])
        let port = try #require(
            await eventually(within: .seconds(30)) { serve.healthPort != nil } ? serve.healthPort : nil,
            "no 'health listening' line: \(serve.stderr)")
        let healthURL = "http://127.0.0.1:\(port)/healthz"
        let ok = try await HTTPCall("GET", healthURL).answer()
        #expect(ok.status == 200 && ok.json["status"] as? String == "ok", "\(ok.status) \(ok.text)")
        let other = try await HTTPCall("GET", "http://127.0.0.1:\(port)/connector-types").answer()
        #expect(other.status == 404, "\(other.status) \(other.text)")

        let (peer, held) = try await Self.holdAPing(serve, key: key)
        serve.send(SIGTERM)
        let health = try await Self.waitWhileHealthy(healthURL)
        #expect(health.status == 503 && health.json["status"] as? String == "draining", "\(health.text)")
        // Still draining (the held ping runs): the health port keeps saying so.
        let again = try await HTTPCall("GET", healthURL).answer()
        #expect(again.status == 503, "\(again.status) \(again.text)")

        await peer.shutdown()
        #expect(try await held.value.status == 200)
        let code = await serve.waitForExit()
        #expect(code == 0, "\(serve.stderr)")
        let gone = try await HTTPCall("GET", healthURL).answer()
        #expect(gone.status == 0, "the health port still answers after exit")
    }

    @Test func aHealthPortOutOfRangeOrEqualToThePortIsRefused() throws {
        let directory = try CLI.scratchDirectory()
        for ports in [["--port", "0", "--health-port", "70000"], ["--port", "8181", "--health-port", "8181"]] {
            let result = try CLI.run(
                ["serve"] + ports + [
                    "--store", "sqlite:\(directory.path)/p.sqlite", "--master-key-file", "\(directory.path)/k",
                ])
            #expect(result.code != 0)
            #expect(result.stderr.contains("--health-port must be from 0"), "\(result.stderr)")
        }
    }
}
