import Foundation
import PreflightTestSupport
import Testing

/// The scripted MySQL 8 peer is only worth testing against if a real client agrees with it: PyMySQL
/// (an independent implementation of the protocol, with `cryptography` for RSA) logs in to it with
/// `caching_sha2_password` (full authentication asking for the server's RSA key, then the fast path
/// from the cache), with `mysql_native_password`, is refused with a wrong password, and reads the
/// peer's result sets. Only then do the MySQL 8 tests of our probe against this peer mean anything.
/// Needs PyMySQL and cryptography for python3 (`pip install -r scripts/peers/requirements.txt`, which
/// the README's test command runs), like the other independent verifiers.
@Suite
struct ScriptedPeerCheckedByPyMySQLTests {
    /// The check, run by python3: scripts/peers/pymysql_check.py.
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/peers/pymysql_check.py").path

    @Test func pyMySQLLogsInAsMySQL8WouldLetIt() async throws {
        let peer = try await ScriptedMySQLPeer(
            .server(
                accounts: [
                    .init(user: "cdc8", password: "Caching-Pw/+=\"é-8", plugin: "caching_sha2_password"),
                    .init(user: "legacy", password: "Native-Pw-5", plugin: "mysql_native_password"),
                ], defaultPlugin: "caching_sha2_password"))
        defer { Task { await peer.shutdown() } }
        let result = try await IndependentVerifier.python(
            [Self.script, String(peer.port), "cdc8", "Caching-Pw/+=\"é-8", "legacy", "Native-Pw-5"])
        #expect(
            result.status == 0,
            "PyMySQL failed against the peer (pip install -r scripts/peers/requirements.txt?): \(result.stderr)")
        let answer = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        #expect((answer["grants"] as? [String])?.first?.contains("REPLICATION SLAVE") == true, "\(answer)")
        #expect(answer["binlog_format"] as? String == "ROW")
        #expect((answer["server_version"] as? String)?.hasPrefix("8.0") == true)
        #expect(answer["second_login"] as? String == "ok")
        #expect(answer["wrong"] as? Int == 1045, "a wrong password must be ER_ACCESS_DENIED: \(answer)")
        #expect(answer["native"] as? String == "ok")
        let stats = peer.stats
        // The wrong password fails the cache's fast path, so the server asks for full authentication
        // again (as MySQL 8 does), and refuses the decrypted password.
        #expect(stats.fullAuths == 1, "only the first login succeeds with full authentication: \(stats)")
        #expect(stats.publicKeyRequests == 2, "\(stats)")
        #expect(stats.rsaPasswordsDecrypted == 2, "\(stats)")
        #expect(stats.fastAuths >= 1, "the second login should take the cache's fast path: \(stats)")
    }
}
