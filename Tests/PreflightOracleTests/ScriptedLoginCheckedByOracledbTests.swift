import Foundation
import PreflightOracle
import PreflightTestSupport
import Testing

/// The scripted database's login is only worth testing against if a real client agrees with it:
/// python-oracledb in thin mode (Oracle's own O5LOGON implementation in Python) must log in with the
/// 12c and the 11g verifier (and accept the server's AUTH_SVR_RESPONSE, which it checks), close with
/// LOGOFF, and get ORA-01017 for a wrong password or an unknown user, ORA-28000, ORA-28001 and
/// ORA-01045 for the locked, expired and CREATE SESSION-less users, its own DPY-3015 for a 10G-only
/// verifier, the error after a BREAK/RESET marker exchange, and DPY-4035 from an impostor that
/// accepts any password. Only then do the tests of our login against this server mean anything.
@Suite(.serialized)
struct ScriptedLoginCheckedByOracledbTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/peers/oracle_login_check.py").path

    @Test func oracledbLogsInAsToOracle() async throws {
        let plain = try await ScriptedTNSListener(.init())
        let breaking = try await ScriptedTNSListener(
            .init(afterAccept: .login(OracleTesting.serverRules(breakBeforeErrors: true))))
        let impostor = try await ScriptedTNSListener(
            .init(afterAccept: .login(OracleTesting.serverRules(impostor: true))))
        let v23 = try await ScriptedTNSListener(
            .init(afterAccept: .login(OracleTesting.serverRules(fieldVersion: TTCFieldVersion.v23_4))))
        let fewRows = try await ScriptedTNSListener(
            .init(afterAccept: .login(OracleTesting.serverRules(rowsPerCall: 2))))
        let settingsFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "preflight-oracle-login-\(UUID()).json")
        let settings: [String: Any] = [
            "password": OracleTesting.password, "legacy_password": OracleTesting.legacyPassword,
            "ports": [
                "plain": plain.port, "break": breaking.port, "impostor": impostor.port, "v23": v23.port,
                "few_rows": fewRows.port,
            ],
            "queries": OracleReadiness.queries.map(\.sql),
        ]
        try JSONSerialization.data(withJSONObject: settings).write(to: settingsFile)
        defer {
            try? FileManager.default.removeItem(at: settingsFile)
            Task { for peer in [plain, breaking, impostor, v23, fewRows] { await peer.shutdown() } }
        }
        let result = try await IndependentVerifier.python([Self.script, settingsFile.path])
        #expect(
            result.status == 0,
            "oracledb failed against the database (pip install -r scripts/peers/requirements.txt?): \(result.stderr)")
        let answer = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        func attempt(_ name: String) -> (connected: Bool, code: String, message: String, version: String) {
            let item = answer[name] as? [String: Any] ?? [:]
            return (
                item["connected"] as? Bool ?? false, item["full_code"] as? String ?? "",
                item["message"] as? String ?? "", item["version"] as? String ?? ""
            )
        }
        #expect(answer["thin"] as? Bool == true)
        let grace = answer["grace"] as? [String: Any] ?? [:]
        #expect(grace["connected"] as? Bool == true && grace["warning"] as? String == "ORA-28002", "\(grace)")
        for name in ["12c", "12c_upper_case_user", "11g", "break_12c", "v23_12c"] {
            let logged = attempt(name)
            #expect(logged.connected, "\(name): oracledb should log in: \(logged)")
            #expect(logged.version == "19.3.0.0.0", "\(name): \(logged)")
        }
        for (name, code) in [
            ("wrong_password", "ORA-01017"), ("wrong_password_11g", "ORA-01017"), ("unknown_user", "ORA-01017"),
            ("locked", "ORA-28000"), ("expired", "ORA-28001"), ("no_create_session", "ORA-01045"),
            ("verifier_10g", "DPY-3015"), ("break_wrong_password", "ORA-01017"), ("impostor", "DPY-4035"),
            ("v23_wrong_password", "ORA-01017"),
        ] {
            let failed = attempt(name)
            #expect(!failed.connected && failed.code == code, "\(name): expected \(code): \(failed)")
        }
        // The database side saw each good login end with LOGOFF and EOF, and nothing broke its rules.
        let connections = plain.connections
        #expect(connections.allSatisfy { $0.violation == nil }, "\(connections.compactMap(\.violation))")
        let loggedIn = connections.filter { $0.loggedInUser != nil }
        #expect(
            loggedIn.map { $0.loggedInUser ?? "" } == ["artie", "artie", "legacy", "grace", "artie", "bare"],
            "\(connections.map(\.session))")
        for connection in loggedIn {
            #expect(Array(connection.session.suffix(2)) == ["LOGOFF", "EOF"], "\(connection.session)")
        }
        #expect(
            breaking.connections.contains { $0.session.contains("RESET") }, "\(breaking.connections.map(\.session))")
        #expect(breaking.connections.allSatisfy { $0.violation == nil })
        #expect(v23.connections.allSatisfy { $0.violation == nil }, "\(v23.connections.compactMap(\.violation))")
        // The readiness queries, as oracledb reads the answers (the privileges come in two calls: its
        // EXECUTE prefetches 2 rows, its FETCH gets the third).
        let ready: [[String: Any]] = [
            ["columns": ["LOG_MODE", "SUPPLEMENTAL_LOG_DATA_MIN"], "rows": [["ARCHIVELOG", "YES"]]],
            ["columns": ["PRIVILEGE"], "rows": [["CREATE SESSION"], ["LOGMINING"], ["SELECT ANY TRANSACTION"]]],
            ["columns": ["ROLE"], "rows": [["SELECT_CATALOG_ROLE"]]],
            ["columns": ["PRIVILEGE"], "rows": [["EXECUTE"]]],
        ]
        for name in ["queries_artie", "queries_few_rows", "queries_v23"] {
            let results = answer[name] as? [[String: Any]] ?? []
            #expect(
                results.map { NSDictionary(dictionary: $0) } == ready.map { NSDictionary(dictionary: $0) },
                "\(name): \(results)")
        }
        let bare = answer["queries_bare"] as? [[String: Any]] ?? []
        let bareExpected: [[String: Any]] = [
            ["full_code": "ORA-00942"], ["columns": ["PRIVILEGE"], "rows": [["CREATE SESSION"]]],
            ["columns": ["ROLE"], "rows": [] as [Any]], ["columns": ["PRIVILEGE"], "rows": [] as [Any]],
        ]
        #expect(
            bare.map { NSDictionary(dictionary: $0) } == bareExpected.map { NSDictionary(dictionary: $0) }, "\(bare)")
        #expect(plain.connections.contains { $0.session.contains { $0.hasPrefix("FETCH") } })
        #expect(
            fewRows.connections.allSatisfy { $0.violation == nil }, "\(fewRows.connections.compactMap(\.violation))")
        // The password never crossed the wire in the clear.
        for connection in connections {
            #expect(!contains(connection.bytesAfterAccept, Array(OracleTesting.password.utf8)))
        }
    }

    func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<$0 + needle.count]) == needle }
    }
}
