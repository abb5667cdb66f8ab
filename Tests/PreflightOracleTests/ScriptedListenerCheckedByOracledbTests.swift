import Foundation
import PreflightTestSupport
import Testing

/// The scripted listener is only worth testing against if a real client agrees with it: python-oracledb
/// in thin mode (Oracle's own pure-Python TNS client, no Instant Client) must read its REFUSE for an
/// unknown service as ORA-12514 (DPY-6001) and for an unknown SID as ORA-12505 (DPY-6003), follow its
/// REDIRECT (a second connection, CONNECT flagged as redirected), send the CONNECT again on RESEND,
/// read ORA-12516 from a busy listener, connect over TCPS verifying the test CA's certificate, and,
/// after ACCEPT, start its login with a DATA packet (and be refused for a wrong password). Only then
/// do the tests of our probe against this listener mean anything. Needs `oracledb` for python3
/// (`pip install -r scripts/peers/requirements.txt`).
@Suite(.serialized)
struct ScriptedListenerCheckedByOracledbTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/peers/oracle_check.py").path

    @Test func oracledbReadsTheListenerAsOracles() async throws {
        let listener = try await ScriptedTNSListener(.init())
        let redirecting = try await ScriptedTNSListener(.init(redirectTo: listener.port))
        let resending = try await ScriptedTNSListener(.init(resendFirst: true))
        let busy = try await ScriptedTNSListener(.init(refuseWith: 12516))
        let tcps = try await ScriptedTNSListener(.init(), tls: try OracleTesting.tcpsContext())
        let caFile = FileManager.default.temporaryDirectory.appendingPathComponent("preflight-oracle-ca-\(UUID()).pem")
        try TestPKI.caPEM.write(to: caFile, atomically: true, encoding: .utf8)
        defer {
            try? FileManager.default.removeItem(at: caFile)
            Task {
                for peer in [listener, redirecting, resending, busy, tcps] { await peer.shutdown() }
            }
        }
        let result = try await IndependentVerifier.python(
            [Self.script] + [listener, redirecting, resending, busy, tcps].map { String($0.port) } + [caFile.path])
        #expect(
            result.status == 0,
            "oracledb failed against the listener (pip install -r scripts/peers/requirements.txt?): \(result.stderr)")
        let answer = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        func attempt(_ name: String) -> (code: String, message: String) {
            let item = answer[name] as? [String: Any] ?? [:]
            return (item["full_code"] as? String ?? "", item["message"] as? String ?? "")
        }
        #expect(answer["thin"] as? Bool == true)
        // oracledb wraps a refusal in DPY-6005 ("cannot connect to database") and names the cause after it.
        let unknownService = attempt("unknown_service")
        #expect(unknownService.code == "DPY-6005", "\(unknownService)")
        #expect(unknownService.message.contains("DPY-6001: Service \"NOPE\" is not registered"), "\(unknownService)")
        #expect(unknownService.message.contains("(Similar to ORA-12514)"), "\(unknownService)")
        let unknownSID = attempt("unknown_sid")
        #expect(unknownSID.message.contains("DPY-6003: SID \"NOPE\" is not registered"), "\(unknownSID)")
        #expect(unknownSID.message.contains("(Similar to ORA-12505)"), "\(unknownSID)")
        let busyAnswer = attempt("busy")
        #expect(
            busyAnswer.message.contains("DPY-6000: Listener refused connection. (Similar to ORA-12516)"),
            "\(busyAnswer)")
        // Accepted: oracledb goes on to its login, with a password the database refuses (its login is
        // checked by ScriptedLoginCheckedByOracledbTests).
        for name in ["known_service", "known_sid", "redirected", "resent", "tcps"] {
            let accepted = attempt(name)
            #expect(accepted.code == "ORA-01017", "\(name): the login after ACCEPT should be refused: \(accepted)")
        }
        let connections = listener.connections
        // unknown service, unknown SID, known service, known SID, and the redirected one.
        try #require(connections.count == 5, "\(connections)")
        #expect(connections.map(\.answers) == [["REFUSE 12514"], ["REFUSE 12505"], ["ACCEPT"], ["ACCEPT"], ["ACCEPT"]])
        #expect(connections.allSatisfy { $0.violation == nil }, "\(connections.compactMap(\.violation))")
        for accepted in connections[2...] {
            #expect(accepted.afterAccept?.type == 6, "after ACCEPT oracledb sends DATA: \(accepted)")
            #expect(accepted.afterAccept?.messageType == 1, "its first message is protocol negotiation: \(accepted)")
        }
        #expect(connections[4].connectFlags == [0x04], "oracledb flags the CONNECT after a redirect")
        #expect(connections.allSatisfy { $0.descriptorInDataPacket }, "oracledb's descriptors exceed 230 bytes")
        #expect(redirecting.connections.map(\.answers) == [["REDIRECT"]])
        #expect(resending.connections.map(\.answers) == [["RESEND", "ACCEPT"]])
        #expect(resending.connections.first?.descriptors.count == 2)
        // TCPS: oracledb verified the test CA's certificate for 127.0.0.1, and the listener accepted.
        #expect(tcps.connections.map(\.answers) == [["ACCEPT"]])
        #expect(tcps.connections.first?.afterAccept?.type == 6)
        #expect(tcps.connections.first?.descriptors.first?.lowercased().contains("(protocol=tcps)") == true)
    }
}
