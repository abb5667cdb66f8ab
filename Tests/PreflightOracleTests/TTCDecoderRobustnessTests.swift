import PreflightOracle
import Testing

/// Whatever a server sends, the decoders end in an answer or an error, never a trap: seeded random
/// bytes, and real answers cut and flipped at every position.
struct TTCDecoderRobustnessTests {
    /// A small deterministic generator (SplitMix64), so that a failure can be replayed.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func feed(_ bytes: [UInt8]) -> Int {
        var outcomes = 0
        for version in [TTCFieldVersion.v12_2, TTCFieldVersion.v19_1Ext1, TTCFieldVersion.v23_4] {
            if (try? TTCResponse.decode(bytes, fieldVersion: version)) != nil { outcomes += 1 }
            if (try? TTCQueryResponse.decode(bytes, fieldVersion: version)) != nil { outcomes += 1 }
        }
        var login = OracleLogin(user: "artie", password: "x")
        _ = login.start()
        _ = login.receive(OracleLogin.data(bytes))
        var query = OracleQuery(sql: "SELECT 1 FROM DUAL", fieldVersion: TTCFieldVersion.v19_1Ext1, after: 2)
        _ = query.start()
        _ = query.receive(OracleLogin.data(bytes))
        return outcomes
    }

    @Test func randomBytesNeverTrap() {
        var generator = Seeded(state: 20_261_207)
        var decoded = 0
        for _ in 0..<20_000 {
            let count = Int.random(in: 0..<96, using: &generator)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Start most of them with a message type a server sends, so the decoders go past the first byte.
            if !bytes.isEmpty, Bool.random(using: &generator) {
                bytes[0] = [1, 2, 4, 6, 7, 8, 9, 15, 16, 21, 23, 29].randomElement(using: &generator) ?? 4
            }
            decoded += Self.feed(bytes)
        }
        // Some random inputs are valid answers (a lone end-of-response, a status), most are not.
        #expect(decoded > 0)
    }

    @Test func realAnswersCutOrFlippedAnywhereNeverTrap() {
        let version = TTCFieldVersion.v19_1Ext1
        let answers: [[UInt8]] = [
            ScriptedOracleMessages.protocolAnswer(fieldVersion: version),
            ScriptedOracleMessages.parameters([("AUTH_SESSKEY", "00"), ("AUTH_VFR_DATA", "11")], verifierType: 0x4815)
                + ScriptedOracleMessages.error(code: 0, fieldVersion: version),
            ScriptedOracleMessages.describe(["A", "B"], fieldVersion: version) + ScriptedOracleMessages.row(["x", nil])
                + ScriptedOracleMessages.queryEnd(code: 1403, cursor: 1, rows: 1, fieldVersion: version),
            ScriptedOracleMessages.error(code: 1017, message: "ORA-01017: invalid", fieldVersion: version),
        ]
        var complete = 0
        for answer in answers {
            if (try? TTCResponse.decode(answer, fieldVersion: version)) != nil
                || (try? TTCQueryResponse.decode(answer, fieldVersion: version)) != nil
            {
                complete += 1
            }
            for cut in 0..<answer.count { _ = Self.feed(Array(answer.prefix(cut))) }
            for position in 0..<answer.count {
                for flip: UInt8 in [0x01, 0x80, 0xFF] {
                    var changed = answer
                    changed[position] ^= flip
                    _ = Self.feed(changed)
                }
            }
        }
        #expect(complete == answers.count, "each untouched answer decodes")
    }

    @Test func anAnswerDrippedInTinyPacketsIsCutOff() {
        // A protocol answer whose banner never ends, one byte per DATA packet: each packet re-reads the
        // answer, so their number is bounded.
        var login = OracleLogin(user: "artie", password: "x")
        _ = login.start()
        var action = login.receive(OracleLogin.data([TTCMessageType.protocolNegotiation, 6, 0]))
        var packets = 1
        while action == .read, packets < 10_000 {
            action = login.receive(OracleLogin.data([0x41]))
            packets += 1
        }
        #expect(packets == 257, "\(action)")
        guard case .failed(.broken(let text)) = action else {
            Issue.record("\(action)")
            return
        }
        #expect(text.contains("more than 256 packets"), "\(text)")
    }
}
