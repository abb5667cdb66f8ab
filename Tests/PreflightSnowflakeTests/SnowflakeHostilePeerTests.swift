import Foundation
import PreflightCore
import PreflightEngine
import PreflightProbeTesting
import PreflightSnowflake
import PreflightTestSupport
import Testing

/// Peers that are not Snowflake: every ping ends categorised within its deadline, with no secret in the report.
@Suite("Snowflake against hostile peers")
struct SnowflakeHostilePeerTests {
    /// Peers that answer get a deadline no loaded machine reaches; silent ones are pinged on a manual clock.
    static let timeout = 10.0

    func payload(_ accountURL: String, password: Bool) -> ConnectorPayload {
        SnowflakeTesting.payload(
            accountURL: accountURL, privateKey: password ? nil : SnowflakeTestKeys.userPEM,
            password: password ? SnowflakeTesting.password : nil, timeoutSeconds: Self.timeout)
    }

    func ping(_ accountURL: String, password: Bool = false) async throws -> PingReport {
        let report = try await SnowflakeTesting.ping(SnowflakeTesting.engine(), payload(accountURL, password: password))
        #expect(report.durationMs < (Self.timeout + 1) * 1000, "\(report.durationMs) ms")
        return report
    }

    /// Pings a peer that never finishes answering: once it has our first bytes, the manual clock is moved to
    /// the deadline, so the report says where the ping stood, however slow the machine.
    func pingToTheDeadline(_ peer: HostilePeer, scheme: String = "http", password: Bool = false) async throws
        -> PingReport
    {
        try await ProbeTesting.pingToTheDeadline(
            [SnowflakeProbeFactory()], payload("\(scheme)://127.0.0.1:\(peer.port)", password: password)
        ) { peer.bytesReceived > 0 }
    }

    @Test("silent peer: timeout", arguments: [false, true])
    func silent(password: Bool) async throws {
        let peer = try await HostilePeer(.silent)
        defer { Task { await peer.shutdown() } }
        let report = try await pingToTheDeadline(peer, password: password)
        #expect(report.category == .timeout, "\(report.summary)")
    }

    @Test("silent peer behind https: timeout in the TLS handshake")
    func silentTLS() async throws {
        let peer = try await HostilePeer(.silent)
        defer { Task { await peer.shutdown() } }
        let report = try await pingToTheDeadline(peer, scheme: "https")
        #expect(report.category == .timeout, "\(report.summary)")
        #expect(report.steps.last?.name == "tls")
    }

    @Test("dripping peer: timeout")
    func drip() async throws {
        let peer = try await HostilePeer(HostilePeerCases.dripHeaders)
        defer { Task { await peer.shutdown() } }
        let report = try await pingToTheDeadline(peer)
        #expect(report.category == .timeout, "\(report.summary)")
    }

    @Test("garbage, an SSH banner, a flood: protocol_mismatch", arguments: HostilePeerCases.notHTTP)
    func garbage(behaviour: HostilePeer.Behaviour) async throws {
        let peer = try await HostilePeer(behaviour)
        defer { Task { await peer.shutdown() } }
        let report = try await ping("http://127.0.0.1:\(peer.port)")
        #expect(report.category == .protocolMismatch, "\(report.summary)")
    }

    @Test(
        "a peer that closes early: categorised, not hung",
        arguments: HostilePeerCases.closesEarly(jsonStart: #"{"data":"#))
    func closesEarly(behaviour: HostilePeer.Behaviour) async throws {
        let peer = try await HostilePeer(behaviour)
        defer { Task { await peer.shutdown() } }
        let report = try await ping("http://127.0.0.1:\(peer.port)", password: true)
        #expect([.protocolMismatch, .serverUnavailable, .unreachable].contains(report.category), "\(report.summary)")
    }

    @Test("a huge body: protocol_mismatch")
    func hugeBody() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { _ in
            .json(200, #"{"data":[[""# + HostilePeerCases.hugeValue + #""]]}"#)
        }
        defer { Task { await server.stop() } }
        let report = try await ping(server.endpoint)
        #expect(report.category == .protocolMismatch, "\(report.summary)")
    }

    @Test("an HTML page (the wrong host): protocol_mismatch", arguments: [false, true])
    func html(password: Bool) async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { _ in
            HostilePeerCases.htmlPage(title: "Welcome", body: "It works")
        }
        defer { Task { await server.stop() } }
        let report = try await ping(server.endpoint, password: password)
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.hint?.contains("accountIdentifier") == true)
    }

    @Test("a peer that echoes the whole request back in an error: no secret in the report", arguments: [false, true])
    func echo(password: Bool) async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { request in
            let echoed = HostilePeerCases.echoed(request)
            return .json(401, #"{"code":"390144","message":"\#(echoed)","success":false}"#)
        }
        defer { Task { await server.stop() } }
        let payload = SnowflakeTesting.payload(
            accountURL: server.endpoint, privateKey: password ? nil : SnowflakeTestKeys.userPEM,
            password: password ? SnowflakeTesting.password : nil, timeoutSeconds: Self.timeout)
        let report = try await SnowflakeTesting.engine().ping(payload)
        let jwts = server.requests.compactMap { $0.header("Authorization") }.map {
            $0.replacingOccurrences(of: "Bearer ", with: "")
        }
        ProbeTesting.expectNoSecrets(in: report, payload: payload, runtime: jwts)
        #expect(report.category == .auth, "\(report.summary)")
    }
}
