import Foundation
import PreflightCore
import PreflightKeyspaces
import PreflightTestSupport
import Testing

/// Peers that are not Keyspaces, before TLS (plain hostile peers) and after it (the scripted peer
/// answering with raw bytes): each ping ends categorised, within its deadline, without a secret.
@Suite(.serialized)
struct KeyspacesHostilePeerTests {
    let engine = KeyspacesTesting.engine(timeout: .seconds(3))

    func ping(_ behaviour: HostilePeer.Behaviour) async throws -> PingReport {
        let peer = try await HostilePeer(behaviour)
        defer { Task { await peer.shutdown() } }
        return try await KeyspacesTesting.ping(
            engine, KeyspacesTesting.payload(port: peer.port, password: true, timeoutSeconds: 1.5))
    }

    func pingAfterTLS(_ answer: [UInt8], close: Bool = false) async throws -> PingReport {
        var options = KeyspacesTesting.options()
        options.closeAfterOverride = close
        options.override = { opcode in opcode == CQLFrame.Opcode.options.rawValue ? answer : nil }
        let peer = try await ScriptedKeyspacesPeer(options)
        defer { Task { await peer.shutdown() } }
        return try await KeyspacesTesting.ping(
            engine, KeyspacesTesting.payload(port: peer.port, password: true, timeoutSeconds: 1.5))
    }

    @Test func silentPeerTimesOutInTLS() async throws {
        let report = try await ping(.silent)
        #expect(report.category == .timeout, "\(report.summary)")
        #expect(report.step("tls")?.status == .failed)
    }

    /// An SSH server answers our ClientHello with its banner: the handshake fails at once, as TLS, saying
    /// the peer did not answer with TLS. (A banner sent before our hello races it; the README says so.)
    @Test func sshBannerInAnswerToTheHelloIsTLS() async throws {
        let report = try await ping(.replyWith(Array("SSH-2.0-OpenSSH_9.2p1\r\n".utf8)))
        #expect(report.category == .tls, "\(report.summary)")
        #expect(report.step("tls")?.status == .failed, "\(report.summary)")
        #expect(report.message?.contains("did not answer with TLS") == true, "\(report.summary)")
    }

    @Test func garbageAndFloodsFailTLS() async throws {
        for behaviour in HostilePeerCases.notHTTP + [.acceptAndClose, HostilePeerCases.dripHeaders] {
            let report = try await ping(behaviour)
            #expect([.protocolMismatch, .tls, .timeout].contains(report.category), "\(behaviour): \(report.summary)")
            #expect(report.step("hello") == nil, "\(behaviour): \(report.summary)")
        }
    }

    @Test func hugeFrameLengthIsRefusedAtOnce() async throws {
        let report = try await pingAfterTLS([0x84, 0, 0, 1, 0x06, 0x7F, 0xFF, 0xFF, 0xFF])
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("2147483647") == true, "\(report.summary)")
    }

    @Test func httpAfterTLSIsNamed() async throws {
        let report = try await pingAfterTLS(Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8))
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("HTTP") == true, "\(report.summary)")
    }

    @Test func silenceAfterTLSTimesOut() async throws {
        let report = try await pingAfterTLS([])
        #expect(report.category == .timeout, "\(report.summary)")
        #expect(report.step("hello")?.status == .failed)
    }

    @Test func partialFrameTimesOut() async throws {
        let report = try await pingAfterTLS([0x84, 0, 0, 1, 0x06, 0, 0, 0, 50, 0, 1])
        #expect(report.category == .timeout, "\(report.summary)")
        #expect(report.message?.contains("not a whole frame") == true, "\(report.summary)")
    }

    @Test func closeMidFrameIsProtocolMismatch() async throws {
        let report = try await pingAfterTLS([0x84, 0, 0, 1, 0x06, 0, 0, 0, 50, 0, 1], close: true)
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("in the middle of a frame") == true, "\(report.summary)")
    }

    @Test func closeWithoutAnswerIsTransient() async throws {
        let report = try await pingAfterTLS([], close: true)
        #expect(report.category == .serverUnavailable, "\(report.summary)")
        #expect(report.transient == true)
    }
}
