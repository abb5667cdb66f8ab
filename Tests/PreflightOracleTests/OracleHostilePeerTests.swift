import Foundation
import PreflightCore
import PreflightOracle
import PreflightProbeTesting
import PreflightTestSupport
import Testing

/// Peers that are not Oracle listeners, or break TNS: each is categorised within the ping's deadline,
/// and the planted password appears nowhere.
@Suite(.serialized)
struct OracleHostilePeerTests {
    let engine = OracleTesting.engine(timeout: .seconds(3))

    /// A ping at `behaviour` on a manual clock: with `atDeadline` the clock moves to the deadline once the peer
    /// has the client's first bytes; without, the ping must end with the clock never moving.
    func ping(_ behaviour: HostilePeer.Behaviour, atDeadline: Bool = false, extra: [String: String] = [:])
        async throws -> PingReport
    {
        let peer = try await HostilePeer(behaviour)
        defer { Task { await peer.shutdown() } }
        return try await ProbeTesting.pingAtPeer(
            [OracleProbeFactory()], OracleTesting.payload(port: peer.port, extra: extra, timeoutSeconds: 1.5),
            atDeadline: atDeadline, timeout: .seconds(3), until: { peer.bytesReceived > 0 })
    }

    @Test func silentPeerTimesOut() async throws {
        let report = try await ping(.silent, atDeadline: true)
        #expect(report.category == .timeout, "\(report.summary)")
        #expect(report.step("database")?.status == .failed)
    }

    @Test func dripOfAPartialPacketTimesOut() async throws {
        // The first bytes of a REFUSE, one every 200 ms: never a whole packet.
        let report = try await ping(
            .dripReply(
                bytes: [0x00, 0x40, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x22, 0x00], interval: .milliseconds(200)),
            atDeadline: true)
        #expect(report.category == .timeout, "\(report.summary)")
    }

    @Test func garbageIsProtocolMismatch() async throws {
        let report = try await ping(.replyWith([0x13, 0x37, 0x00, 0x05, 0xDE, 0xAD, 0xBE, 0xEF]))
        #expect(report.category == .protocolMismatch, "\(report.summary)")
    }

    @Test func hugeLengthIsRefusedAtOnce() async throws {
        // A DATA packet header announcing 65535 bytes, then a flood.
        let report = try await ping(.flood(header: [0xFF, 0xFF, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00], onAccept: false))
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("65535") == true, "\(report.summary)")
    }

    @Test func earlyCloseIsServerUnavailable() async throws {
        let report = try await ping(.acceptAndClose)
        #expect(report.category == .serverUnavailable, "\(report.summary)")
        #expect(report.transient == true)
    }

    @Test func closeMidPacketIsProtocolMismatch() async throws {
        let report = try await ping(.closeAfter(bytes: [0x00, 0x40, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x22]))
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("in the middle") == true, "\(report.summary)")
    }

    @Test func sshServerIsNamed() async throws {
        let report = try await ping(HostilePeerCases.sshBanner)
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("SSH") == true, "\(report.summary)")
    }

    @Test func silentTCPSPortTimesOut() async throws {
        let report = try await ping(.silent, atDeadline: true, extra: ["sslMode": "require"])
        #expect(report.category == .timeout, "\(report.summary)")
        #expect(report.step("tls")?.status == .failed)
    }

    @Test func closedPortIsRefused() async throws {
        let report = try await OracleTesting.ping(engine, OracleTesting.payload(port: closedPort()))
        #expect(report.category == .refused, "\(report.summary)")
    }

    // MARK: After ACCEPT: the database behind the listener misbehaves

    func pingAfterAccept(_ behaviour: ScriptedTNSListener.AfterAccept) async throws -> (PingReport, ScriptedTNSListener)
    {
        let listener = try await ScriptedTNSListener(.init(afterAccept: behaviour))
        let report = try await OracleTesting.ping(engine, OracleTesting.payload(port: listener.port, timeoutSeconds: 3))
        Task { await listener.shutdown() }
        return (report, listener)
    }

    @Test func silentAfterAcceptTimesOutInAuthAtTheDeadline() async throws {
        let listener = try await ScriptedTNSListener(.init(afterAccept: .silent))
        defer { Task { await listener.shutdown() } }
        let report = try await ProbeTesting.pingToTheDeadline(
            [OracleProbeFactory()], OracleTesting.payload(port: listener.port, timeoutSeconds: 4),
            until: { listener.connections.first?.afterAccept != nil })
        #expect(report.category == .timeout, "\(report.summary)")
        #expect(report.step("database")?.status == .passed, "\(report.summary)")
        #expect(report.step("auth")?.status == .failed, "\(report.summary)")
        #expect(
            report.message?.contains("logging in to 127.0.0.1:\(listener.port) as artie") == true, "\(report.summary)")
        #expect(report.hint?.contains("did not answer the login") == true, "\(report.summary)")
    }

    @Test func garbageAfterAcceptIsProtocolMismatch() async throws {
        let (report, _) = try await pingAfterAccept(.garbage)
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("broke Oracle's TTC protocol") == true, "\(report.summary)")
        #expect(report.step("auth")?.status == .failed)
    }

    @Test func aHugeLengthAfterAcceptIsRefusedAtOnce() async throws {
        let (report, _) = try await pingAfterAccept(.hugeLength)
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("2147483647") == true, "\(report.summary)")
    }

    @Test func closeAfterAcceptIsServerUnavailable() async throws {
        let (report, _) = try await pingAfterAccept(.close)
        #expect(report.category == .serverUnavailable, "\(report.summary)")
        #expect(report.transient == true)
        #expect(report.message?.contains("during the TTC protocol negotiation") == true, "\(report.summary)")
    }

    @Test func closeDuringTheLoginNamesTheCall() async throws {
        let (report, listener) = try await pingAfterAccept(.login(OracleTesting.serverRules(closeAtPhaseTwo: true)))
        #expect(report.category == .serverUnavailable, "\(report.summary)")
        #expect(report.message?.contains("AUTH phase two") == true, "\(report.summary)")
        #expect(listener.connections.first?.session.last == "AUTH2 artie")
    }

    @Test func closeDuringTheReadinessQueriesNamesTheQuery() async throws {
        let (report, listener) = try await pingAfterAccept(.login(OracleTesting.serverRules(closeAtExecute: true)))
        #expect(report.category == .serverUnavailable, "\(report.summary)")
        #expect(report.step("auth")?.status == .passed, "\(report.summary)")
        #expect(report.step("readiness")?.status == .failed, "\(report.summary)")
        #expect(report.message?.contains("a readiness query (SELECT LOG_MODE") == true, "\(report.summary)")
        #expect(listener.connections.first?.session.last == "EXECUTE")
    }
}
