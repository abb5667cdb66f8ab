import PreflightCore
import PreflightOracle
import Testing

/// Queries on a logged-in session against the scripted database, without I/O, and the readiness
/// checks made of their answers.
struct OracleQueryStateTests {
    /// Logs in as `user`, then runs `sql`; returns the query's last action and the server.
    static func query(_ sql: String, user: String = "artie", rules: ScriptedOracleServer.Rules) -> (
        OracleQuery.Action, ScriptedOracleServer
    ) {
        var server = ScriptedOracleServer(rules)
        var login = OracleLogin(user: user, password: OracleTesting.password)
        var inbox: [TNSPacket] = []
        var action = login.start()
        var session: OracleSession?
        while session == nil {
            switch action {
            case .send(let packet):
                if case .send(let answer) = server.receive(packet) { inbox += answer }
                guard !inbox.isEmpty else { return (.broken("no answer to the login"), server) }
                action = login.receive(inbox.removeFirst())
            case .loggedIn(let logged): session = logged
            default: return (.broken("login: \(action)"), server)
            }
        }
        guard let session else { return (.broken("no session"), server) }
        var query = OracleQuery(sql: sql, fieldVersion: session.fieldVersion, after: session.sequence)
        var step = query.start()
        for _ in 0..<100 {
            switch step {
            case .send(let packet):
                if case .send(let answer) = server.receive(packet) { inbox += answer }
                step = .read
            case .read:
                guard !inbox.isEmpty else { return (.broken("no answer to the query"), server) }
                step = query.receive(inbox.removeFirst())
            default:
                return (step, server)
            }
        }
        return (step, server)
    }

    @Test func rowsComeInOneCallOrOverFetches() {
        let sql = "SELECT PRIVILEGE FROM SESSION_PRIVS"
        let expected: [[String?]] = [["CREATE SESSION"], ["LOGMINING"], ["SELECT ANY TRANSACTION"]]
        for rowsPerCall in [1000, 2, 1] {
            let (action, server) = Self.query(sql, rules: OracleTesting.serverRules(rowsPerCall: rowsPerCall))
            guard case .done(let columns, let rows) = action else {
                Issue.record("\(rowsPerCall): \(action) \(server.log) \(server.violation ?? "")")
                continue
            }
            #expect(columns.map(\.name) == ["PRIVILEGE"])
            #expect(rows == expected, "\(rowsPerCall)")
            #expect(server.log.filter { $0.hasPrefix("FETCH") }.count == (expected.count - 1) / rowsPerCall)
            #expect(server.violation == nil)
        }
    }

    @Test func anUnreadableViewIsTheServersError() {
        let (action, _) = Self.query(
            "SELECT LOG_MODE, SUPPLEMENTAL_LOG_DATA_MIN FROM V$DATABASE", user: "bare",
            rules: OracleTesting.serverRules())
        guard case .failed(let error) = action else {
            Issue.record("\(action)")
            return
        }
        #expect(error.code == 942)
        #expect(error.message == "ORA-00942: table or view does not exist")
    }

    @Test func the23aiDescribeLayoutIsRead() {
        let (action, _) = Self.query(
            "SELECT LOG_MODE, SUPPLEMENTAL_LOG_DATA_MIN FROM V$DATABASE",
            rules: OracleTesting.serverRules(fieldVersion: TTCFieldVersion.v23_4))
        #expect(
            action
                == .done(
                    columns: [
                        TTCColumn(name: "LOG_MODE", type: 1, bufferSize: 128),
                        TTCColumn(name: "SUPPLEMENTAL_LOG_DATA_MIN", type: 1, bufferSize: 128),
                    ], rows: [["ARCHIVELOG", "YES"]]))
    }

    @Test func duplicateColumnsInABitVectorRepeatThePreviousRow() throws {
        var writer = TTCWriter()
        writer.raw(ScriptedOracleMessages.describe(["A", "B"], fieldVersion: TTCFieldVersion.v19_1Ext1))
        writer.raw(ScriptedOracleMessages.row(["x", "y"]))
        // Bit vector: only column 1 (B) is sent; A repeats "x".
        writer.raw([TTCMessageType.bitVector, 1, 1, 0b10, TTCMessageType.rowData, 1, UInt8(ascii: "z")])
        writer.raw(
            ScriptedOracleMessages.queryEnd(code: 1403, cursor: 3, rows: 2, fieldVersion: TTCFieldVersion.v19_1Ext1))
        let response = try TTCQueryResponse.decode(writer.bytes, fieldVersion: TTCFieldVersion.v19_1Ext1)
        #expect(response.rows == [["x", "y"], ["x", "z"]])
        #expect(response.finished)
        #expect(response.end?.cursorID == 3)
    }
}
