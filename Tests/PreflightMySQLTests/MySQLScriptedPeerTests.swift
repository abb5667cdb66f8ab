import Foundation
import PreflightCore
import PreflightMySQL
import PreflightProbeTesting
import PreflightTestSupport
import Testing

/// `caching_sha2_password` and other server behaviours the local MariaDB cannot show, against
/// `ScriptedMySQLPeer`, an in-process server that performs the real server side of each exchange
/// (MySQL 8 cannot run here). TLS paths are covered by the state-machine tests and MariaDB.
@Suite(.serialized)
struct MySQLScriptedPeerTests {
    let engine = MySQLTesting.engine(timeout: .seconds(5))

    @Test func cachingSHA2FullAuthWithRequestedKeyThenFastPath() async throws {
        let peer = try await ScriptedMySQLPeer(
            .server(
                accounts: [.init(user: "cdc", password: "s3cret-Pass", plugin: "caching_sha2_password")],
                defaultPlugin: "caching_sha2_password"))
        defer { Task { await peer.shutdown() } }
        let payload = MySQLTesting.payload(port: peer.port, user: "cdc", password: "s3cret-Pass", role: "source")

        // First login: not cached, so full authentication: key requested, password RSA-encrypted, decrypted by the peer.
        let first = try await MySQLTesting.ping(engine, payload)
        #expect(first.ok, "\(first.summary)")
        #expect(first.step("auth")?.detail?.contains("caching_sha2_password") == true)
        #expect(first.step("auth")?.detail?.contains("requested from the server") == true, "\(first.summary)")
        // Without TLS that key could have come from a machine in the middle: a warning that says so.
        #expect(first.step("auth")?.status == .warning)
        #expect(first.step("auth")?.hint?.contains("serverPublicKey") == true)
        #expect(peer.stats.publicKeyRequests == 1)
        #expect(peer.stats.rsaPasswordsDecrypted == 1)
        #expect(peer.stats.fullAuths == 1)
        #expect(first.check("flavor")?.observed == "MySQL 8.0.36")
        #expect(first.check("replication_privileges")?.status == .passed)
        #expect(first.check("gtid_mode")?.observed.hasPrefix("ON") == true)
        #expect(first.check("binlog_retention")?.status == .passed)
        #expect(await eventually { peer.stats.quits == 1 }, "the probe ends with COM_QUIT")

        // Second login: cached, so the fast path (scramble checked against SHA256(SHA256(password))).
        let second = try await MySQLTesting.ping(engine, payload)
        #expect(second.ok, "\(second.summary)")
        #expect(second.step("auth")?.detail?.contains("fast authentication") == true, "\(second.summary)")
        #expect(peer.stats.fastAuths == 1)
        #expect(peer.stats.publicKeyRequests == 1)
    }

    @Test func cachingSHA2FullAuthWithSuppliedKeyDoesNotAskForIt() async throws {
        let peer = try await ScriptedMySQLPeer(
            .server(
                accounts: [.init(user: "cdc", password: "s3cret-Pass", plugin: "caching_sha2_password")],
                defaultPlugin: "caching_sha2_password"))
        defer { Task { await peer.shutdown() } }
        let report = try await MySQLTesting.ping(
            engine,
            MySQLTesting.payload(
                port: peer.port, user: "cdc", password: "s3cret-Pass", extra: ["serverPublicKey": peer.publicKeyPEM]))
        #expect(report.ok, "\(report.summary)")
        #expect(peer.stats.publicKeyRequests == 0)
        #expect(peer.stats.rsaPasswordsDecrypted == 1)
        #expect(report.step("auth")?.detail?.contains("supplied RSA public key") == true)
    }

    @Test func cachingSHA2WrongPasswordIsAuthWithUserAndHost() async throws {
        let peer = try await ScriptedMySQLPeer(
            .server(
                accounts: [.init(user: "cdc", password: "s3cret-Pass", plugin: "caching_sha2_password")],
                defaultPlugin: "caching_sha2_password"))
        defer { Task { await peer.shutdown() } }
        let report = try await MySQLTesting.ping(
            engine, MySQLTesting.payload(port: peer.port, user: "cdc", password: "Wrong-Password-99"))
        #expect(report.category == .auth)
        #expect(report.message?.contains("'cdc'@'127.0.0.1'") == true, "\(report.summary)")
        #expect(peer.stats.rsaPasswordsDecrypted == 1)
    }

    /// An account already in the server's cache, with a wrong password: the fast path fails, MySQL 8 asks
    /// for full authentication, and the decrypted password is refused (the path PyMySQL confirmed).
    @Test func cachingSHA2WrongPasswordForACachedAccountGoesThroughFullAuth() async throws {
        let peer = try await ScriptedMySQLPeer(
            .server(
                accounts: [.init(user: "cdc", password: "s3cret-Pass", plugin: "caching_sha2_password")],
                defaultPlugin: "caching_sha2_password"))
        defer { Task { await peer.shutdown() } }
        let good = try await MySQLTesting.ping(
            engine, MySQLTesting.payload(port: peer.port, user: "cdc", password: "s3cret-Pass"))
        #expect(good.ok, "\(good.summary)")
        let wrong = try await MySQLTesting.ping(
            engine, MySQLTesting.payload(port: peer.port, user: "cdc", password: "Wrong-Password-77"))
        #expect(wrong.category == .auth, "\(wrong.summary)")
        #expect(wrong.message?.contains("'cdc'@'127.0.0.1'") == true, "\(wrong.summary)")
        #expect(peer.stats.fastAuths == 0)
        #expect(peer.stats.rsaPasswordsDecrypted == 2, "\(peer.stats)")
    }

    @Test func nativeAccountBehindCachingSHA2DefaultIsSwitched() async throws {
        let peer = try await ScriptedMySQLPeer(
            .server(
                accounts: [.init(user: "old", password: "n4tive-Pass", plugin: "mysql_native_password")],
                defaultPlugin: "caching_sha2_password"))
        defer { Task { await peer.shutdown() } }
        let report = try await MySQLTesting.ping(
            engine, MySQLTesting.payload(port: peer.port, user: "old", password: "n4tive-Pass"))
        #expect(report.ok, "\(report.summary)")
        #expect(peer.stats.authSwitches == ["mysql_native_password"])
        #expect(
            report.step("auth")?.detail?.contains("caching_sha2_password then mysql_native_password") == true,
            "\(report.summary)")
    }

    @Test func clearPasswordSwitchOnPlaintextIsRefusedWithoutSendingThePassword() async throws {
        let peer = try await ScriptedMySQLPeer(
            .server(
                accounts: [.init(user: "ldap", password: "Cleartext-Secret-1", plugin: "mysql_clear_password")],
                defaultPlugin: "mysql_native_password"))
        defer { Task { await peer.shutdown() } }
        let report = try await MySQLTesting.ping(
            engine, MySQLTesting.payload(port: peer.port, user: "ldap", password: "Cleartext-Secret-1"))
        #expect(report.category == .tls, "\(report.summary)")
        #expect(report.message?.contains("mysql_clear_password") == true)
        #expect(report.hint?.contains("tlsMode") == true)
        let received = String(decoding: peer.stats.received, as: UTF8.self)
        #expect(!received.contains("Cleartext-Secret-1"), "the password went out in clear")
    }

    @Test func unsupportedPluginIsUnsupported() async throws {
        let peer = try await ScriptedMySQLPeer(
            .server(
                accounts: [.init(user: "pam", password: "x-Pass-123", plugin: "dialog")],
                defaultPlugin: "mysql_native_password"))
        defer { Task { await peer.shutdown() } }
        let report = try await MySQLTesting.ping(
            engine, MySQLTesting.payload(port: peer.port, user: "pam", password: "x-Pass-123"))
        #expect(report.category == .unsupported, "\(report.summary)")
        #expect(report.message?.contains("dialog") == true)
    }

    @Test func secureTransportRequiredSaysTLSIsNeeded() async throws {
        let error = MySQLServerError(
            code: 3159, sqlState: "HY000",
            message: "Connections using insecure transport are prohibited while --require_secure_transport=ON.")
        let peer = try await ScriptedMySQLPeer(
            .server(
                accounts: [
                    .init(user: "cdc", password: "s3cret-Pass", plugin: "caching_sha2_password", loginError: error)
                ],
                defaultPlugin: "caching_sha2_password"))
        defer { Task { await peer.shutdown() } }
        let report = try await MySQLTesting.ping(
            engine, MySQLTesting.payload(port: peer.port, user: "cdc", password: "s3cret-Pass"))
        #expect(report.category == .auth)
        #expect(report.message?.contains("requires TLS") == true, "\(report.summary)")
        #expect(report.hint?.contains("preferred") == true)
    }

    @Test func tooManyConnectionsInsteadOfAGreetingIsServerUnavailable() async throws {
        let peer = try await ScriptedMySQLPeer(
            .errorGreeting(MySQLServerError(code: 1040, sqlState: "08004", message: "Too many connections")))
        defer { Task { await peer.shutdown() } }
        let report = try await MySQLTesting.ping(
            engine, MySQLTesting.payload(port: peer.port, user: "cdc", password: "s3cret-Pass"))
        #expect(report.category == .serverUnavailable, "\(report.summary)")
        #expect(report.transient == true)
        #expect(report.step("greeting")?.status == .failed)
    }

    @Test func hostNotAllowedGreetingNamesTheAddress() async throws {
        let peer = try await ScriptedMySQLPeer(
            .errorGreeting(
                MySQLServerError(
                    code: 1130, message: "Host '203.0.113.9' is not allowed to connect to this MySQL server")))
        defer { Task { await peer.shutdown() } }
        let report = try await MySQLTesting.ping(
            engine, MySQLTesting.payload(port: peer.port, user: "cdc", password: "s3cret-Pass"))
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.message?.contains("does not allow connections from 203.0.113.9") == true, "\(report.summary)")
        #expect(report.hint?.contains("'203.0.113.9'") == true)
    }

    @Test func tlsRequiredButNotOfferedIsTLS() async throws {
        let peer = try await ScriptedMySQLPeer(.server(accounts: [], defaultPlugin: "caching_sha2_password"))
        defer { Task { await peer.shutdown() } }
        let report = try await MySQLTesting.ping(
            engine,
            MySQLTesting.payload(port: peer.port, user: "cdc", password: "s3cret-Pass", extra: ["sslMode": "require"]))
        #expect(report.category == .tls, "\(report.summary)")
        #expect(report.message?.contains("does not offer TLS") == true)
        let preferred = try await MySQLTesting.ping(
            engine,
            MySQLTesting.payload(
                port: peer.port, user: "nobody", password: "s3cret-Pass", extra: ["tlsMode": "preferred"]))
        #expect(preferred.step("tls")?.status == .warning, "\(preferred.summary)")
        #expect(preferred.category == .auth)
    }

    @Test func planetscaleAlwaysVerifiesTLS() async throws {
        let peer = try await ScriptedMySQLPeer(.server(accounts: [], defaultPlugin: "caching_sha2_password"))
        defer { Task { await peer.shutdown() } }
        let report = try await MySQLTesting.ping(
            engine,
            MySQLTesting.payload(
                type: .planetscale, port: peer.port, user: "cdc", password: "s3cret-Pass", extra: ["tlsMode": ""]))
        #expect(report.category == .tls, "\(report.summary)")
        #expect(report.message?.contains("verify-full") == true)
    }
}

/// Peers that are not MySQL, or break the protocol: each is categorised within the ping's deadline.
@Suite(.serialized)
struct MySQLHostilePeerTests {
    let engine = MySQLTesting.engine(timeout: .seconds(3))
    /// The start of a real MariaDB 10.11 greeting.
    static let greetingStart: [UInt8] = [0x68, 0x00, 0x00, 0x00, 0x0A] + Array("5.5.5-10.11.19-MariaDB".utf8)

    /// A ping at `behaviour` on a manual clock: with `atDeadline` the clock moves to the deadline once the peer
    /// has accepted the connection (MySQL's server speaks first); without, the ping must end with the clock
    /// never moving.
    func ping(_ behaviour: HostilePeer.Behaviour, atDeadline: Bool = false) async throws -> PingReport {
        let peer = try await HostilePeer(behaviour)
        defer { Task { await peer.shutdown() } }
        return try await ProbeTesting.pingAtPeer(
            [MySQLProbeFactory()],
            Self.payload(peer), atDeadline: atDeadline, timeout: .seconds(3), until: { peer.connectionCount > 0 })
    }

    /// A payload for `peer` with the planted password and a 1.5 s deadline.
    static func payload(_ peer: HostilePeer) -> ConnectorPayload {
        MySQLTesting.payload(port: peer.port, user: "cdc", password: "Hostile-Pass-1", timeoutSeconds: 1.5)
    }

    @Test func silentPeerTimesOutWithinTheDeadline() async throws {
        let report = try await ping(.silent, atDeadline: true)
        #expect(report.category == .timeout, "\(report.summary)")
        #expect(report.step("greeting")?.status == .failed)
        #expect(report.message?.contains("greeting") == true)
    }

    @Test func hugeGreetingLengthIsRefusedAtOnce() async throws {
        let report = try await ping(.flood(header: [0xFF, 0xFF, 0xFF, 0x00, 0x0A], onAccept: true))
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("16777215 bytes") == true, "\(report.summary)")
    }

    @Test func truncatedGreetingThenCloseIsProtocolMismatch() async throws {
        let report = try await ping(.sendOnAcceptThenClose(Self.greetingStart))
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("in the middle of its greeting") == true, "\(report.summary)")
    }

    @Test func truncatedGreetingThenSilenceTimesOutSayingSo() async throws {
        // On the system clock: the message comes from the probe's own wait for the greeting, budgeted to end
        // just before the deadline; a manual clock moved to the deadline would pre-empt it.
        let peer = try await HostilePeer(.garbage(Self.greetingStart))
        defer { Task { await peer.shutdown() } }
        let report = try await MySQLTesting.ping(engine, Self.payload(peer))
        #expect(report.category == .timeout, "\(report.summary)")
        #expect(report.message?.contains("of the 104 bytes") == true, "\(report.summary)")
    }

    @Test func garbageIsProtocolMismatch() async throws {
        let report = try await ping(
            .garbage([0x13, 0x37, 0x00, 0x05, 0xDE, 0xAD, 0xBE, 0xEF] + [UInt8](repeating: 0x42, count: 40)))
        #expect(report.category == .protocolMismatch, "\(report.summary)")
    }

    @Test func sshServerIsNamed() async throws {
        let report = try await ping(.banner("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"))
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("SSH") == true)
    }

    @Test func httpServerIsNamed() async throws {
        let report = try await ping(
            .sendOnAcceptThenClose(Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8)))
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("HTTP") == true)
    }

    @Test func protocolNineIsRefused() async throws {
        let report = try await ping(.garbage([0x06, 0x00, 0x00, 0x00, 0x09] + Array("3.23".utf8) + [0]))
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("protocol 9") == true)
    }

    @Test func acceptThenCloseIsServerUnavailable() async throws {
        let report = try await ping(.acceptAndClose)
        #expect(report.category == .serverUnavailable, "\(report.summary)")
    }

    @Test func closedPortIsRefused() async throws {
        let report = try await MySQLTesting.ping(
            engine, MySQLTesting.payload(port: closedPort(), user: "cdc", password: "x-Pass-123"))
        #expect(report.category == .refused)
    }
}
