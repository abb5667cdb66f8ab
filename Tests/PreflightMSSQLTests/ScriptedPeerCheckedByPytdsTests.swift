import Foundation
import PreflightTestSupport
import Testing

/// The scripted SQL Server peer is only worth testing against if a real client agrees with it: pytds
/// (python-tds, an independent TDS 7.4 implementation, with pyOpenSSL for TLS) logs in to it with
/// encryption off, with TLS inside TDS for the whole session and for the login only, is refused with
/// a wrong password (18456) and an unknown database (4060, then 18456), cannot log in unencrypted where encryption
/// is forced, and reads the peer's result set. Only then do the tests of our probe against this peer
/// mean anything. Needs python-tds and pyopenssl (`pip install -r scripts/peers/requirements.txt`).
@Suite
struct ScriptedPeerCheckedByPytdsTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/peers/tds_check.py").path

    @Test func pytdsLogsInAsSQLServerWouldLetIt() async throws {
        let password = "Pytds-Pw/+=\"é-1"
        let peer = try await ScriptedTDSPeer(.init(accounts: [.init(user: "artie", password: password)]))
        var forcedScript = ScriptedTDSPeer.Script(accounts: [.init(user: "artie", password: password)])
        forcedScript.encryption = .forced
        let forced = try await ScriptedTDSPeer(forcedScript)
        defer {
            Task {
                await peer.shutdown()
                await forced.shutdown()
            }
        }
        let caFile = FileManager.default.temporaryDirectory.appendingPathComponent("preflight-tds-ca-\(UUID()).pem")
        try TestPKI.caPEM.write(to: caFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: caFile) }
        let result = try await IndependentVerifier.python(
            [Self.script, String(peer.port), "artie", password, caFile.path, String(forced.port)])
        #expect(
            result.status == 0,
            "pytds failed against the peer (pip install -r scripts/peers/requirements.txt?): \(result.stderr)")
        let answer = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: [String: Any]],
            "\(result.stdout) \(result.stderr)")
        for path in ["plain", "tls", "login_only", "forced_tls"] {
            #expect(answer[path]?["ok"] as? Bool == true, "\(path): \(answer[path] ?? [:])")
            #expect(answer[path]?["version"] as? String == "16.0.4135.4", "\(path): \(answer[path] ?? [:])")
            #expect(answer[path]?["cdc"] as? Int == 1, "\(path): \(answer[path] ?? [:])")
        }
        #expect(answer["wrong_password"]?["number"] as? Int == 18456, "\(answer["wrong_password"] ?? [:])")
        #expect(answer["tls_wrong_password"]?["number"] as? Int == 18456, "\(answer["tls_wrong_password"] ?? [:])")
        // SQL Server sends 4060 then 18456; pytds reports the last number with both texts.
        #expect(answer["unknown_database"]?["number"] as? Int == 18456, "\(answer["unknown_database"] ?? [:])")
        #expect(
            (answer["unknown_database"]?["text"] as? String)?.contains("Cannot open database \"nope\"") == true,
            "\(answer["unknown_database"] ?? [:])")
        #expect(answer["forced_plain"]?["ok"] as? Bool == false)
        #expect((answer["forced_plain"]?["text"] as? String)?.contains("required by server") == true)
        let stats = peer.stats
        // pytds asks NOT_SUP (2) without a CA file, ON (1) with one, OFF (0) for login-only.
        #expect(Set(stats.clientEncryption) == [0, 1, 2], "\(stats.clientEncryption)")
        #expect(stats.tlsHandshakes == 3, "tls, tls_wrong_password, login_only: \(stats)")
        #expect(stats.loginOnlyAnswers == 1)
        #expect(stats.logins.filter(\.passwordMatched).count == 4, "\(stats.logins)")
        #expect(stats.logins.filter { !$0.passwordMatched }.count == 2, "\(stats.logins)")
        #expect(forced.stats.tlsHandshakes == 1)
    }
}

/// The same peer, checked by a second independent client: FreeTDS's `tsql` (Debian freetds-bin, with
/// GnuTLS), unencrypted and with TLS inside TDS. Needs freetds-bin (scripts/test.sh installs it).
@Suite
struct ScriptedPeerCheckedByTsqlTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/peers/tsql_check.py").path

    @Test func tsqlLogsInAsSQLServerWouldLetIt() async throws {
        let password = "Tsql-Pw-2"
        let peer = try await ScriptedTDSPeer(.init(accounts: [.init(user: "artie", password: password)]))
        defer { Task { await peer.shutdown() } }
        let caFile = FileManager.default.temporaryDirectory.appendingPathComponent("preflight-tsql-ca-\(UUID()).pem")
        try TestPKI.caPEM.write(to: caFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: caFile) }
        let result = try await IndependentVerifier.python([
            Self.script, String(peer.port), "artie", password, caFile.path,
        ])
        #expect(result.status == 0, "tsql_check.py failed (apt-get install freetds-bin?): \(result.stderr)")
        let answer = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: [String: Any]],
            "\(result.stdout) \(result.stderr)")
        #expect(answer["plain"]?["ok"] as? Bool == true, "\(answer["plain"] ?? [:])")
        #expect(answer["tls"]?["ok"] as? Bool == true, "\(answer["tls"] ?? [:])")
        #expect(answer["wrong_password"]?["number"] as? Int == 18456, "\(answer["wrong_password"] ?? [:])")
        #expect(answer["tls_wrong_password"]?["number"] as? Int == 18456, "\(answer["tls_wrong_password"] ?? [:])")
        #expect(
            [4060, 911].contains(answer["unknown_database"]?["number"] as? Int), "\(answer["unknown_database"] ?? [:])")
        #expect(peer.stats.tlsHandshakes >= 2, "\(peer.stats)")
        // FreeTDS's "encryption = off" asks ENCRYPT_NOT_SUP (2), "require" ENCRYPT_ON (1).
        #expect(peer.stats.clientEncryption == [2, 2, 2, 1, 1], "\(peer.stats)")
        #expect(peer.stats.logins.map(\.encrypted) == [false, false, false, true, true], "\(peer.stats)")
    }
}
