import Foundation
import PreflightTestSupport
import Testing

/// The scripted MySQL 8 peer is only worth testing against if a real client agrees with it: PyMySQL
/// (an independent implementation of the protocol, with `cryptography` for RSA) logs in to it with
/// `caching_sha2_password` (full authentication asking for the server's RSA key, then the fast path
/// from the cache), with `mysql_native_password`, is refused with a wrong password, and reads the
/// peer's result sets. Only then do the MySQL 8 tests of our probe against this peer mean anything.
@Suite(
    .enabled(
        if: PyMySQL.available || TestEnvironment.requireIntegration,
        "needs PyMySQL and cryptography for python3 (scripts/peers/requirements.txt)"))
struct ScriptedPeerCheckedByPyMySQLTests {
    static let script = #"""
        import json, sys
        import pymysql
        port, user, password, native_user, native_password = sys.argv[1:6]
        out = {}
        # PyMySQL encodes a str password as latin-1; MySQL compares the bytes the client sends: UTF-8 here.
        def login(u, p):
            return pymysql.connect(host="127.0.0.1", port=int(port), user=u, password=p.encode("utf-8"),
                                   autocommit=None, connect_timeout=10, ssl_disabled=True)
        # caching_sha2_password, not cached: full authentication over plain TCP, asking for the RSA key.
        c = login(user, password)
        cur = c.cursor()
        cur.execute("SHOW GRANTS")
        out["grants"] = [row[0] for row in cur.fetchall()]
        cur.execute("SHOW GLOBAL VARIABLES")
        out["binlog_format"] = dict(cur.fetchall()).get("binlog_format")
        out["server_version"] = c.get_server_info()
        c.close()
        # Cached now: the fast path.
        login(user, password).close()
        out["second_login"] = "ok"
        try:
            login(user, password + "-wrong").close()
            out["wrong"] = "accepted"
        except pymysql.err.OperationalError as e:
            out["wrong"] = e.args[0]
        login(native_user, native_password).close()
        out["native"] = "ok"
        print(json.dumps(out))
        """#

    @Test func pyMySQLLogsInAsMySQL8WouldLetIt() async throws {
        let peer = try await ScriptedMySQLPeer(
            .server(
                accounts: [
                    .init(user: "cdc8", password: "Caching-Pw/+=\"é-8", plugin: "caching_sha2_password"),
                    .init(user: "legacy", password: "Native-Pw-5", plugin: "mysql_native_password"),
                ], defaultPlugin: "caching_sha2_password"))
        defer { Task { await peer.shutdown() } }
        let result = try await PyMySQL.run(
            Self.script, arguments: [String(peer.port), "cdc8", "Caching-Pw/+=\"é-8", "legacy", "Native-Pw-5"])
        #expect(result.status == 0, "PyMySQL failed against the peer: \(result.stderr)")
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

/// Runs a Python script with PyMySQL.
enum PyMySQL {
    static let available: Bool = {
        (try? run("import pymysql, cryptography", arguments: []).status) == 0
    }()

    static func run(_ script: String, arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self)
        )
    }
}
