import Foundation
import PreflightCore
import PreflightProbeTesting
import PreflightTestSupport
import Testing

@testable import PreflightMSSQL

/// Our probe against the scripted SQL Server (checked first by pytds: ScriptedPeerCheckedByPytdsTests).
@Suite
struct MSSQLScriptedPeerTests {
    static let password = "Probe-Pw/+=\"é-7"
    let engine = MSSQLTesting.engine()

    static func script(_ change: (inout ScriptedTDSPeer.Script) -> Void = { _ in }) -> ScriptedTDSPeer.Script {
        var script = ScriptedTDSPeer.Script(accounts: [.init(user: "artie", password: password)])
        change(&script)
        return script
    }

    func ping(
        _ peer: ScriptedTDSPeer, password: String = password, database: String? = "app",
        extra: [String: String] = ["sslRootCert": TestPKI.caPEM], role: String? = nil
    ) async throws -> PingReport {
        try await ProbeTesting.ping(
            engine,
            MSSQLTesting.payload(port: peer.port, password: password, database: database, extra: extra, role: role))
    }

    @Test func verifiedTLSLoginAndReadinessPass() async throws {
        let peer = try await ScriptedTDSPeer(Self.script())
        defer { Task { await peer.shutdown() } }
        let report = try await ping(peer, role: "source")
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("hello")?.detail?.contains("SQL Server 16.0.4135") == true, "\(report.summary)")
        #expect(report.step("tls")?.status == .passed)
        #expect(report.step("tls")?.detail?.contains("whole session") == true)
        #expect(report.step("auth")?.status == .passed)
        #expect(report.step("database")?.status == .passed)
        #expect(report.step("readiness")?.status == .passed, "\(report.summary)")
        #expect(
            report.checks.map(\.name) == [
                "edition", "is_cdc_enabled", "sql_server_agent", "cdc_schema_select", "snapshot_isolation",
            ])
        let stats = peer.stats
        #expect(stats.clientEncryption == [1], "verify-full asks ENCRYPT_ON")
        #expect(stats.tlsHandshakes == 1)
        #expect(stats.logins.count == 1 && stats.logins[0].passwordMatched && stats.logins[0].encrypted)
        #expect(stats.queries.count == 3, "\(stats.queries)")
    }

    @Test func disableSendsNoTLSAndPreferEncryptsOnlyTheLogin() async throws {
        let peer = try await ScriptedTDSPeer(Self.script())
        defer { Task { await peer.shutdown() } }
        let plain = try await ping(peer, extra: ["sslMode": "disable"])
        #expect(plain.ok, "\(plain.summary)")
        #expect(plain.step("tls")?.status == .skipped)
        let prefer = try await ping(peer, extra: ["sslMode": "prefer"])
        #expect(prefer.ok, "\(prefer.summary)")
        #expect(prefer.step("tls")?.status == .warning)
        #expect(prefer.step("tls")?.detail?.contains("only the login is encrypted") == true)
        let stats = peer.stats
        #expect(stats.clientEncryption == [2, 0])
        #expect(stats.loginOnlyAnswers == 1)
        #expect(stats.logins.map(\.passwordMatched) == [true, true])
        #expect(stats.queries.count == 6, "both sessions went on to the readiness queries: \(stats.queries)")
    }

    @Test func wrongPasswordIsAuth() async throws {
        let peer = try await ScriptedTDSPeer(Self.script())
        defer { Task { await peer.shutdown() } }
        let report = try await ping(peer, password: "Not-The-Password-1")
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.message?.contains("18456") == true)
        #expect(peer.stats.logins.first?.passwordMatched == false)
    }

    @Test func unknownDatabaseIsDatabaseNotFound() async throws {
        let peer = try await ScriptedTDSPeer(Self.script())
        defer { Task { await peer.shutdown() } }
        let report = try await ping(peer, database: "nope")
        #expect(report.category == .databaseNotFound, "\(report.summary)")
        #expect(report.hint?.contains("sys.databases") == true)
    }

    @Test func serverThatRequiresEncryptionRefusesDisable() async throws {
        let peer = try await ScriptedTDSPeer(Self.script { $0.encryption = .forced })
        defer { Task { await peer.shutdown() } }
        let report = try await ping(peer, extra: ["sslMode": "disable"])
        #expect(report.category == .tls, "\(report.summary)")
        #expect(report.message?.contains("requires encryption") == true)
        #expect(report.hint?.contains("sslMode") == true)
        #expect(peer.stats.logins.isEmpty, "no login is sent in the clear")
        let verified = try await ping(peer)
        #expect(verified.ok, "\(verified.summary)")
    }

    @Test func serverThatCannotEncryptFailsVerifyFull() async throws {
        let peer = try await ScriptedTDSPeer(Self.script { $0.encryption = .unavailable })
        defer { Task { await peer.shutdown() } }
        let report = try await ping(peer, extra: [:])
        #expect(report.category == .tls, "\(report.summary)")
        #expect(report.message?.contains("ENCRYPT_NOT_SUP") == true)
    }

    @Test func selfSignedCertificateIsNamedWithItsFingerprint() async throws {
        let peer = try await ScriptedTDSPeer(
            Self.script {
                $0.certificatePEM = TestCertificates.selfSigned.certificatePEM
                $0.keyPEM = TestCertificates.selfSigned.privateKeyPEM
            })
        defer { Task { await peer.shutdown() } }
        let report = try await ping(peer, extra: [:])
        #expect(report.category == .tls, "\(report.summary)")
        #expect(report.message?.contains("self-signed") == true, "\(report.summary)")
        #expect(report.message?.contains("SHA-256 fingerprint") == true)
        #expect(report.hint?.contains("sslRootCert") == true && report.hint?.contains("sslMode") == true)
        #expect(peer.stats.logins.isEmpty)
        let require = try await ping(peer, extra: ["sslMode": "require"])
        #expect(require.ok, "require encrypts without verifying: \(require.summary)")
    }

    @Test func strictEncryptionDoesTLSFirst() async throws {
        let peer = try await ScriptedTDSPeer(Self.script { $0.strict = true })
        defer { Task { await peer.shutdown() } }
        let report = try await ping(peer, extra: ["sslRootCert": TestPKI.caPEM, "strictEncryption": "true"])
        #expect(report.ok, "\(report.summary)")
        #expect(report.steps.map(\.name).prefix(4) == ["dns", "connect", "tls", "hello"], "\(report.summary)")
        #expect(report.step("tls")?.detail?.contains("TDS 8.0") == true)
        #expect(peer.stats.logins.first?.passwordMatched == true)
        let seven = try await ping(peer)
        #expect(seven.category == .tls, "\(seven.summary)")
        #expect(seven.message?.contains("TDS 8.0") == true, "\(seven.summary)")
        #expect(seven.hint?.contains("strictEncryption") == true, "\(seven.summary)")
    }

    @Test func routingIsFollowedOnceAndReported() async throws {
        let target = try await ScriptedTDSPeer(Self.script())
        let gateway = try await ScriptedTDSPeer(Self.script { $0.routeTo = ("127.0.0.1", target.port) })
        defer {
            Task {
                await gateway.shutdown()
                await target.shutdown()
            }
        }
        let report = try await ping(gateway)
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("topology")?.detail?.contains("127.0.0.1:\(target.port)") == true, "\(report.summary)")
        #expect(gateway.stats.logins.count == 1 && gateway.stats.queries.isEmpty)
        #expect(target.stats.logins.count == 1 && target.stats.queries.count == 3)
        let loop = try await ScriptedTDSPeer(Self.script { $0.routeTo = ("127.0.0.1", gateway.port) })
        defer { Task { await loop.shutdown() } }
        let twice = try await ping(loop)
        #expect(twice.category == .protocolMismatch, "a second redirect is not followed: \(twice.summary)")
    }

    @Test func cdcNotEnabledFailsASourceWithTheFix() async throws {
        let peer = try await ScriptedTDSPeer(
            Self.script {
                $0.cdcEnabled = false
                $0.cdcSchemaReadable = nil
                $0.agent = nil
            })
        defer { Task { await peer.shutdown() } }
        let source = try await ping(peer, role: "source")
        #expect(source.category == .cdcNotReady, "\(source.summary)")
        #expect(source.hint?.contains("EXEC sys.sp_cdc_enable_db;") == true, "\(source.summary)")
        #expect(
            source.checks.contains { $0.name == "cdc_capture_job" && $0.status == .passed },
            "agent refused: the job was checked")
        let other = try await ping(peer)
        #expect(other.ok, "without connectionRole source these are warnings: \(other.summary)")
        #expect(other.step("readiness")?.status == .warning)
    }

    @Test func destinationNeedsCreateTableAndAlter() async throws {
        let peer = try await ScriptedTDSPeer(Self.script { $0.permissions = [("DATABASE", "CONNECT")] })
        defer { Task { await peer.shutdown() } }
        let report = try await ping(peer, role: "destination")
        #expect(report.category == .permission, "\(report.summary)")
        #expect(report.hint?.contains("GRANT CREATE TABLE TO [artie];") == true, "\(report.summary)")
        let good = try await ScriptedTDSPeer(Self.script())
        defer { Task { await good.shutdown() } }
        #expect(try await ping(good, role: "destination").ok)
    }

    @Test func expiredPasswordAndFirewallSayTheFix() async throws {
        let peer = try await ScriptedTDSPeer(
            .init(accounts: [
                .init(
                    user: "artie", password: Self.password,
                    loginError: TDSServerMessage(
                        number: 40615, state: 1, severity: 14,
                        text:
                            "Cannot open server 'prod' requested by the login. Client with IP address '198.51.100.23' is not allowed to access the server.",
                        serverName: "prod"))
            ]))
        defer { Task { await peer.shutdown() } }
        let report = try await ping(peer)
        #expect(report.category == .permission, "\(report.summary)")
        #expect(report.hint?.contains("198.51.100.23") == true)
    }
}

/// A peer that echoes what it was sent into its error text: the engine keeps the password out of the report.
@Suite
struct MSSQLEchoingPeerTests {
    @Test func aPasswordEchoedInAnErrorNeverReachesTheReport() async throws {
        let password = "Echoed-Pw/+=\"é-9"
        let peer = try await ScriptedTDSPeer(
            .init(accounts: [
                .init(
                    user: "artie", password: password,
                    loginError: TDSServerMessage(
                        number: 18456, state: 1, severity: 14,
                        text: "Login failed for user 'artie' with password '\(password)'.", serverName: "echo"))
            ]))
        defer { Task { await peer.shutdown() } }
        let report = try await ProbeTesting.ping(
            MSSQLTesting.engine(),
            MSSQLTesting.payload(port: peer.port, password: password, extra: ["sslRootCert": TestPKI.caPEM]))
        #expect(report.category == .auth, "\(report.summary)")
        #expect(peer.stats.logins.first?.passwordMatched == true, "the peer saw the real password")
        // The server's text is quoted in the message (state 1 reveals nothing else), minus the password.
        #expect(report.message?.contains("with password '") == true, "\(report.summary)")
    }
}

/// Peers that are not SQL Server: every one ends categorised within the deadline.
@Suite
struct MSSQLHostilePeerTests {
    let engine = MSSQLTesting.engine(timeout: .seconds(3))

    func ping(_ behaviour: HostilePeer.Behaviour) async throws -> PingReport {
        let peer = try await HostilePeer(behaviour)
        defer { Task { await peer.shutdown() } }
        return try await ProbeTesting.ping(
            engine,
            MSSQLTesting.payload(
                port: peer.port, password: "Hostile-Pass-1", extra: ["sslMode": "disable"], timeoutSeconds: 1.5))
    }

    @Test func silentPeerTimesOut() async throws {
        let report = try await ping(.silent)
        #expect(report.category == .timeout, "\(report.summary)")
        #expect(report.step("hello")?.status == .failed)
    }

    @Test func silentPeerEndsAtTheDeadlineOnAManualClock() async throws {
        let peer = try await HostilePeer(.silent)
        defer { Task { await peer.shutdown() } }
        // Once the peer has our PRELOGIN, the clock jumps to the deadline: the report says where the ping stood.
        let report = try await ProbeTesting.pingToTheDeadline(
            [MSSQLProbeFactory()],
            MSSQLTesting.payload(port: peer.port, password: "Hostile-Pass-2", extra: ["sslMode": "disable"])
        ) { peer.bytesReceived > 0 }
        #expect(report.category == .timeout, "\(report.summary)")
        #expect(report.step("hello")?.status == .failed, "\(report.summary)")
    }

    @Test func dripTimesOutOrIsRefused() async throws {
        let report = try await ping(HostilePeerCases.dripHeaders)
        #expect([.timeout, .protocolMismatch].contains(report.category), "\(report.summary)")
    }

    @Test func garbageIsProtocolMismatch() async throws {
        let report = try await ping(.garbage([0x00, 0xFF, 0x13, 0x37, 0x42, 0x00, 0x0A]))
        #expect(report.category == .protocolMismatch, "\(report.summary)")
    }

    @Test func hugeLengthIsRefused() async throws {
        let report = try await ping(.flood(header: [0x04, 0x01, 0xFF, 0xFF, 0, 0, 1, 0], onAccept: false))
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("65535") == true, "\(report.summary)")
        let postgresStyle = try await ping(.hugeLengthThenFlood)
        #expect(postgresStyle.category == .protocolMismatch, "\(postgresStyle.summary)")
    }

    @Test func earlyCloseIsCategorised() async throws {
        #expect(try await ping(.acceptAndClose).category == .serverUnavailable)
        let cut = try await ping(.closeAfter(bytes: [0x04, 0x01, 0x00, 0x2B, 0x00, 0x00, 0x01, 0x00, 0x00]))
        #expect(cut.category == .protocolMismatch, "\(cut.summary)")
    }

    @Test func aServerWantingTLSFirstIsNamedAsStrictEncryption() async throws {
        // A TLS alert (protocol_version) in answer to PRELOGIN, as a TDS 8.0 strict server sends, then close.
        let report = try await ping(.closeAfter(bytes: [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]))
        #expect(report.category == .tls, "\(report.summary)")
        #expect(report.message?.contains("TDS 8.0") == true, "\(report.summary)")
    }

    @Test func sshServerIsNamed() async throws {
        let report = try await ping(HostilePeerCases.sshBanner)
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("SSH") == true, "\(report.summary)")
    }
}
