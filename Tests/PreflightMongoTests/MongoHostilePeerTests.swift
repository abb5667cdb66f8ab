import Foundation
import PreflightCore
import PreflightEngine
import PreflightMongo
import PreflightProbeTesting
import PreflightTestSupport
import Testing

/// Peers that are not MongoDB, or misbehave: every one must end in a categorised report, within the deadline.
@Suite struct MongoHostilePeerTests {
    let engine = PingEngine(
        configuration: EngineConfiguration(defaultTimeout: .seconds(5)), factories: [MongoProbeFactory()])
    static let password = "Hostile-Planted-Secret-99"

    /// A ping at `peer` on a manual clock: with `atDeadline` the clock moves to the deadline once `ready()`
    /// holds (by default: the peer has the client's first bytes); without, the ping must end with the clock
    /// never moving.
    func ping(
        _ peer: HostilePeer, atDeadline: Bool = false, timeout: Double = 2, uri: String? = nil,
        until ready: (@Sendable () -> Bool)? = nil
    ) async throws -> PingReport {
        return try await ProbeTesting.pingAtPeer(
            [MongoProbeFactory()], Self.payload(peer, timeout: timeout, uri: uri), atDeadline: atDeadline,
            timeout: .seconds(5),
            until: ready ?? { peer.bytesReceived > 0 })
    }

    /// A ping at `peer` on the system clock, for what the probe decides with its own budgeted waits (a
    /// seed's share of the time, a reply's bytes counted when the wait ends): those end on real time just
    /// before the deadline, so a manual clock moved to the deadline would pre-empt them.
    func pingOnTheSystemClock(_ peer: HostilePeer, timeout: Double = 2, uri: String? = nil) async throws -> PingReport {
        try await ProbeTesting.ping(engine, Self.payload(peer, timeout: timeout, uri: uri))
    }

    /// A MongoDB payload for `peer` (or `uri`) with the planted password.
    static func payload(_ peer: HostilePeer, timeout: Double, uri: String?) -> ConnectorPayload {
        ConnectorPayload(
            type: .mongodb,
            sharedConfig: SharedConfig(strings: [
                "host": uri ?? "mongodb://127.0.0.1:\(peer.port)", "user": "artie", "password": Self.password,
            ]), timeoutSeconds: timeout)
    }

    func hello(_ report: PingReport) -> PingStep? { report.steps.first { $0.name == "hello" } }

    @Test func silentPeerTimesOutNamingHello() async throws {
        let peer = try await HostilePeer(.silent)
        defer { Task { await peer.shutdown() } }
        let report = try await ping(peer, atDeadline: true)
        #expect(report.category == .timeout)
        #expect(report.message?.contains("hello") == true)
        #expect(hello(report)?.status == .failed)
    }

    @Test func sshServerIsAProtocolMismatch() async throws {
        let peer = try await HostilePeer(.banner("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"))
        defer { Task { await peer.shutdown() } }
        let report = try await ping(peer)
        #expect(report.category == .protocolMismatch)
        #expect(report.message?.contains("SSH server") == true)
        #expect(report.message?.contains("not MongoDB") == true)
    }

    @Test func httpServerIsAProtocolMismatch() async throws {
        let peer = try await HostilePeer(
            .replyWith(Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8)))
        defer { Task { await peer.shutdown() } }
        let report = try await ping(peer)
        #expect(report.category == .protocolMismatch)
        #expect(report.message?.contains("HTTP server") == true)
    }

    @Test func garbageAnswerIsAProtocolMismatch() async throws {
        let peer = try await HostilePeer(
            .replyWith([0x20, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x39, 0x05, 0, 0] + [UInt8](repeating: 0xEE, count: 16)))
        defer { Task { await peer.shutdown() } }
        let report = try await ping(peer)
        #expect(report.category == .protocolMismatch)
        #expect(report.message?.contains("opcode") == true)
    }

    @Test func garbageOnAcceptIsAProtocolMismatchOrTimeout() async throws {
        let peer = try await HostilePeer(.garbage([0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x11, 0x22, 0x33, 0x44]))
        defer { Task { await peer.shutdown() } }
        let report = try await ping(peer)
        #expect(report.category == .protocolMismatch, "\(report.category?.rawValue ?? "ok"): \(report.message ?? "")")
    }

    @Test func hugeLengthPrefixIsRefusedAtOnce() async throws {
        // A MongoDB-shaped header announcing 0x7FFFFFF0 bytes, then a flood.
        let peer = try await HostilePeer(
            .flood(header: [0xF0, 0xFF, 0xFF, 0x7F, 1, 0, 0, 0, 1, 0, 0, 0, 0xDD, 0x07, 0, 0], onAccept: false))
        defer { Task { await peer.shutdown() } }
        let report = try await ping(peer)
        #expect(report.category == .protocolMismatch)
        #expect(report.message?.contains("48000000") == true)
    }

    @Test func lengthWithinMongoLimitButOverThePingsLimitIsRefused() async throws {
        // 40 MB: legal for MongoDB, far more than a ping reads.
        let peer = try await HostilePeer(
            .flood(header: [0x00, 0x5A, 0x62, 0x02, 1, 0, 0, 0, 1, 0, 0, 0, 0xDD, 0x07, 0, 0], onAccept: false))
        defer { Task { await peer.shutdown() } }
        let report = try await ping(peer)
        #expect(report.category == .protocolMismatch)
        #expect(report.message?.contains("a ping reads") == true)
    }

    @Test func postgresStyleHugeLengthIsRefused() async throws {
        let peer = try await HostilePeer(.hugeLengthThenFlood)
        defer { Task { await peer.shutdown() } }
        let report = try await ping(peer)
        #expect(report.category == .protocolMismatch)
    }

    @Test func dripIsATimeoutSayingHowLittleCame() async throws {
        let peer = try await HostilePeer(
            .drip(bytes: [0x40, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0xDD, 0x07, 0, 0], interval: .milliseconds(300)))
        defer { Task { await peer.shutdown() } }
        let report = try await pingOnTheSystemClock(peer)
        #expect(report.category == .timeout)
        #expect(report.message?.contains("bytes of its reply") == true, "\(report.summary)")
    }

    @Test func closeInTheMiddleOfAReply() async throws {
        let peer = try await HostilePeer(
            .closeAfter(bytes: [0x40, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0xDD, 0x07, 0, 0, 0, 0]))
        defer { Task { await peer.shutdown() } }
        let report = try await ping(peer)
        #expect(report.category == .protocolMismatch)
        #expect(report.message?.contains("middle of its reply") == true)
    }

    @Test func closeWithoutAnswerSuggestsTLS() async throws {
        let peer = try await HostilePeer(.closeAfter(bytes: []))
        defer { Task { await peer.shutdown() } }
        let report = try await ping(peer)
        #expect(report.category == .tls)
        #expect(report.hint?.contains("tls=true") == true)
        // The OP_QUERY retry for servers older than 3.6 was made on a second connection.
        #expect(peer.connectionCount == 2)
    }

    @Test func acceptAndCloseIsCategorised() async throws {
        let peer = try await HostilePeer(.acceptAndClose)
        defer { Task { await peer.shutdown() } }
        let report = try await ping(peer)
        // Depending on whether the close lands before or after the reader is installed: "closed right after
        // accepting" (server_unavailable) or "closed without answering hello" (tls / protocol_mismatch).
        #expect(
            [.tls, .protocolMismatch, .serverUnavailable].contains(report.category),
            "\(report.category?.rawValue ?? "ok")")
    }

    @Test func refusedPortIsRefused() async throws {
        let payload = ConnectorPayload(
            type: .mongodb, sharedConfig: SharedConfig(strings: ["host": "mongodb://127.0.0.1:\(closedPort())"]))
        let report = try await engine.ping(payload)
        #expect(report.category == .refused)
    }

    @Test func tlsToAPlainPeerFailsAsTLS() async throws {
        let peer = try await HostilePeer(.replyWith(Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8)))
        defer { Task { await peer.shutdown() } }
        let report = try await ping(peer, uri: "mongodb://127.0.0.1:\(peer.port)/?tls=true&tlsInsecure=true")
        #expect(report.category == .tls)
    }

    @Test func allSeedsDeadIsAServerSelectionFailureListingThem() async throws {
        let a = closedPort()
        let peer = try await HostilePeer(.silent)
        defer { Task { await peer.shutdown() } }
        let report = try await pingOnTheSystemClock(
            peer, timeout: 3, uri: "mongodb://127.0.0.1:\(a),127.0.0.1:\(peer.port)")
        #expect(report.message?.contains("seed list") == true, "\(report.summary)")
        #expect(report.message?.contains("127.0.0.1:\(a)") == true)
        #expect(report.steps.contains { $0.name == "connect" && $0.status == .warning })
    }

    @Test func invalidStringIsA400() async throws {
        let payload = ConnectorPayload(
            type: .mongodb, sharedConfig: SharedConfig(strings: ["host": "mongodb://u:\(Self.password)/x@h"]))
        do {
            _ = try await engine.ping(payload)
            Issue.record("accepted a malformed string")
        } catch {
            guard case .invalid(let invalid) = error else {
                Issue.record("not a 400: \(error)")
                return
            }
            #expect(!invalid.message.contains(Self.password))
        }
    }
}
