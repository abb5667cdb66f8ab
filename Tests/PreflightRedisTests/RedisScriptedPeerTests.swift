import Foundation
import PreflightCore
import PreflightProbeTesting
import PreflightRedis
import PreflightTestSupport
import Testing

/// Server behaviours the local Redis 7 cannot show, against `ScriptedRedisPeer`.
@Suite(.serialized)
struct RedisScriptedPeerTests {
    let engine = RedisTesting.engine(timeout: .seconds(5))

    /// A Redis 5: no HELLO, AUTH with the password alone, INFO server for the version.
    static func redis5(password: String?) -> @Sendable ([String]) -> String? {
        { command in
            switch command.first?.uppercased() {
            case "HELLO": return "-ERR unknown command 'HELLO'\r\n"
            case "AUTH":
                guard let password else { return "-ERR Client sent AUTH, but no password is set\r\n" }
                return command.count == 2 && command[1] == password ? "+OK\r\n" : "-ERR invalid password\r\n"
            case "PING": return "+PONG\r\n"
            case "SELECT": return "+OK\r\n"
            case "INFO":
                let text = "# Server\r\nredis_version:5.0.14\r\nredis_mode:standalone\r\n"
                return "$\(text.utf8.count)\r\n\(text)\r\n"
            default: return nil
            }
        }
    }

    @Test func redis5FallsBackToAuthAndReadsInfo() async throws {
        let peer = try await ScriptedRedisPeer(respond: Self.redis5(password: "Old-Redis-Pass-5"))
        defer { Task { await peer.shutdown() } }
        let report = try await RedisTesting.ping(
            engine, RedisTesting.payload(port: peer.port, password: "Old-Redis-Pass-5", database: 2))
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("auth")?.detail?.contains("Redis before 6") == true, "\(report.summary)")
        #expect(report.step("ping")?.detail == "PONG from Redis 5.0.14 (standalone), RESP2", "\(report.summary)")
        #expect(peer.commands.map { $0.first ?? "" }.prefix(5) == ["HELLO", "AUTH", "SELECT", "PING", "INFO"])
        // Not `commands[1]`: a ping that ended early (a loaded machine) must fail the test, not crash the run.
        #expect(
            peer.commands.dropFirst().first == ["AUTH", "Old-Redis-Pass-5"], "the legacy AUTH takes the password alone")
        try await Self.expectRedisPyReads(peer)
    }

    /// The peer decodes with our own `RESPDecoder`; redis-py's parser must read the same commands from the
    /// raw bytes, and redis-py's serializer must pack them back to exactly those bytes. A stream with one
    /// bulk length spoiled must be refused.
    static func expectRedisPyReads(_ peer: ScriptedRedisPeer, sourceLocation: SourceLocation = #_sourceLocation)
        async throws
    {
        // The client says QUIT after the report is made; wait for it so the bytes and the commands are
        // the same snapshot (bounded: 2 s).
        for _ in 0..<400 where peer.commands.last?.first?.uppercased() != "QUIT" {
            try await Task.sleep(for: .milliseconds(5))
        }
        let streams = peer.streams.filter { !$0.isEmpty }
        let first = try #require(streams.first, "nothing was received", sourceLocation: sourceLocation)
        // "*2\r\n$4\r\nAUTH..." -> "*2\r\n$5\r\nAUTH...": the first bulk length one too long.
        var spoiled = first
        let dollar = try #require(spoiled.firstIndex(of: UInt8(ascii: "$")), sourceLocation: sourceLocation)
        spoiled[dollar + 1] &+= 1
        let results = try await IndependentVerifier.run(
            .resp, ["streams": (streams + [spoiled]).map { Data($0).base64EncodedString() }])
        try #require(results.count == streams.count + 1, sourceLocation: sourceLocation)
        var commands: [[String]] = []
        for result in results.dropLast() {
            #expect(result["ok"] as? Bool == true, "\(result["problem"] ?? "")", sourceLocation: sourceLocation)
            commands += result["commands"] as? [[String]] ?? []
        }
        #expect(commands == peer.commands, sourceLocation: sourceLocation)
        #expect(results.last?["ok"] as? Bool == false, "a spoiled stream was accepted", sourceLocation: sourceLocation)
    }

    @Test func redis5WrongPasswordIsAuth() async throws {
        let peer = try await ScriptedRedisPeer(respond: Self.redis5(password: "Old-Redis-Pass-5"))
        defer { Task { await peer.shutdown() } }
        let report = try await RedisTesting.ping(
            engine, RedisTesting.payload(port: peer.port, password: "Not-The-Password-7"))
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.message?.contains("invalid password") == true)
    }

    @Test func redis5WithoutPasswordSetWarns() async throws {
        let peer = try await ScriptedRedisPeer(respond: Self.redis5(password: nil))
        defer { Task { await peer.shutdown() } }
        let report = try await RedisTesting.ping(
            engine, RedisTesting.payload(port: peer.port, password: "Unneeded-Pass-1"))
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("auth")?.status == .warning)
    }

    @Test func loadingIsServerUnavailable() async throws {
        let peer = try await ScriptedRedisPeer { _ in "-LOADING Redis is loading the dataset in memory\r\n" }
        defer { Task { await peer.shutdown() } }
        let report = try await RedisTesting.ping(
            engine, RedisTesting.payload(port: peer.port, password: "Loading-Pass-1"))
        #expect(report.category == .serverUnavailable, "\(report.summary)")
        #expect(report.transient == true)
    }

    @Test func maxClientsIsServerUnavailable() async throws {
        let peer = try await ScriptedRedisPeer { _ in "-ERR max number of clients reached\r\n" }
        defer { Task { await peer.shutdown() } }
        let report = try await RedisTesting.ping(engine, RedisTesting.payload(port: peer.port))
        #expect(report.category == .serverUnavailable, "\(report.summary)")
    }

    @Test func protectedModeIsAuthWithAHint() async throws {
        let peer = try await ScriptedRedisPeer { _ in
            "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface.\r\n"
        }
        defer { Task { await peer.shutdown() } }
        let report = try await RedisTesting.ping(engine, RedisTesting.payload(port: peer.port))
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.hint?.contains("protected-mode no") == true)
    }

    @Test func helloAnsweredWithAStringIsProtocolMismatch() async throws {
        let peer = try await ScriptedRedisPeer { _ in "+OK\r\n" }
        defer { Task { await peer.shutdown() } }
        let report = try await RedisTesting.ping(engine, RedisTesting.payload(port: peer.port))
        #expect(report.category == .protocolMismatch, "\(report.summary)")
    }
}

/// Peers that are not Redis, or break the protocol: each is categorised within the ping's deadline.
@Suite(.serialized)
struct RedisHostilePeerTests {
    let engine = RedisTesting.engine(timeout: .seconds(3))
    static let password = "Hostile-Redis-Pass-1"

    /// A ping at `behaviour` on a manual clock: with `atDeadline` the clock moves to the deadline once the peer
    /// has the client's first bytes; without, the ping must end with the clock never moving.
    func ping(_ behaviour: HostilePeer.Behaviour, atDeadline: Bool = false, tls: Bool? = nil) async throws
        -> PingReport
    {
        let peer = try await HostilePeer(behaviour)
        defer { Task { await peer.shutdown() } }
        return try await ProbeTesting.pingAtPeer(
            [RedisProbeFactory()],
            RedisTesting.payload(port: peer.port, password: Self.password, tls: tls, timeoutSeconds: 1.5),
            atDeadline: atDeadline, timeout: .seconds(3), until: { peer.bytesReceived > 0 })
    }

    @Test func silentPeerTimesOut() async throws {
        let report = try await ping(.silent, atDeadline: true)
        #expect(report.category == .timeout, "\(report.summary)")
        #expect(report.step("auth")?.status == .failed)
    }

    @Test func dripOfAPartialReplyTimesOut() async throws {
        let report = try await ping(
            .drip(bytes: Array("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n".utf8), interval: .milliseconds(200)),
            atDeadline: true)
        #expect(report.category == .timeout, "\(report.summary)")
    }

    @Test func garbageIsProtocolMismatch() async throws {
        let report = try await ping(.replyWith([0x13, 0x37, 0x00, 0x05, 0xDE, 0xAD, 0xBE, 0xEF]))
        #expect(report.category == .protocolMismatch, "\(report.summary)")
    }

    @Test func hugeBulkLengthIsRefusedAtOnce() async throws {
        let report = try await ping(.flood(header: Array("$2147483647\r\n".utf8), onAccept: false))
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("2147483647") == true)
    }

    @Test func hugeArrayAndDeepNestingAreRefused() async throws {
        let huge = try await ping(.replyWith(Array("*99999999\r\n".utf8)))
        #expect(huge.category == .protocolMismatch, "\(huge.summary)")
        let deep = try await ping(.replyWith(Array(String(repeating: "*1\r\n", count: 64).utf8)))
        #expect(deep.category == .protocolMismatch, "\(deep.summary)")
    }

    @Test func sshServerIsNamed() async throws {
        let report = try await ping(.banner("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"))
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("SSH") == true)
    }

    @Test func httpServerIsNamed() async throws {
        let report = try await ping(
            .closeAfter(bytes: Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8)))
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("HTTP") == true)
    }

    @Test func closeMidReplyIsProtocolMismatch() async throws {
        let report = try await ping(.closeAfter(bytes: Array("%7\r\n$6\r\nser".utf8)))
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("in the middle") == true)
    }

    @Test func acceptThenCloseIsServerUnavailable() async throws {
        let report = try await ping(.acceptAndClose)
        #expect(report.category == .serverUnavailable, "\(report.summary)")
    }

    @Test func silentTLSPortTimesOut() async throws {
        let report = try await ping(.silent, atDeadline: true, tls: true)
        #expect(report.category == .timeout, "\(report.summary)")
    }

    @Test func closedPortIsRefused() async throws {
        let report = try await RedisTesting.ping(
            engine, RedisTesting.payload(port: closedPort(), password: Self.password))
        #expect(report.category == .refused)
    }
}
