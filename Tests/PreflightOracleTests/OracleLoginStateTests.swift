import PreflightOracle
import Testing

/// The login's state machine against the scripted database's, without I/O: every packet each side
/// sends is handed to the other.
struct OracleLoginStateTests {
    /// Runs the exchange to its end; returns the client's last action and the server.
    static func run(
        user: String, password: String, rules: ScriptedOracleServer.Rules = OracleTesting.serverRules()
    ) -> (OracleLogin.Action, ScriptedOracleServer, [TNSPacket]) {
        var client = OracleLogin(user: user, password: password)
        var server = ScriptedOracleServer(rules)
        var action = client.start()
        var sent: [TNSPacket] = []
        var inbox: [TNSPacket] = []
        for _ in 0..<64 {
            switch action {
            case .send(let packet):
                sent.append(packet)
                switch server.receive(packet) {
                case .send(let packets): inbox += packets
                case .nothing: break
                case .close: return (action, server, sent)
                }
                action = .read
            case .read:
                guard !inbox.isEmpty else { return (action, server, sent) }
                action = client.receive(inbox.removeFirst())
            case .loggedIn:
                for packet in client.logoff() {
                    if case .send(let answer) = server.receive(packet) { inbox += answer }
                }
                return (action, server, sent)
            case .failed:
                return (action, server, sent)
            }
        }
        return (action, server, sent)
    }

    @Test func the12cAnd11gVerifiersLogIn() {
        for (user, password, verifier) in [
            ("artie", OracleTesting.password, O5Logon.verifier12c),
            ("legacy", OracleTesting.legacyPassword, O5Logon.verifier11g),
        ] {
            let (action, server, sent) = Self.run(user: user, password: password)
            guard case .loggedIn(let session) = action else {
                Issue.record("\(user): \(action), server: \(server.log) \(server.violation ?? "")")
                continue
            }
            #expect(session.verifierType == verifier)
            #expect(session.release == "19.3.0.0.0")
            #expect(session.sessionID == "42")
            #expect(server.loggedInUser == user)
            #expect(server.violation == nil)
            #expect(server.log.suffix(2) == ["LOGOFF", "EOF"], "\(server.log)")
            let wire = sent.flatMap { $0.encoded(largeLength: true) }
            #expect(!wire.contains(subsequence: Array(password.utf8)), "the password crossed in the clear")
        }
    }

    @Test func serverErrorsEndTheLogin() {
        let cases: [(String, String, UInt32)] = [
            ("artie", OracleTesting.password + "x", 1017), ("nobody", OracleTesting.password, 1017),
            ("legacy", OracleTesting.password, 1017), ("locked", OracleTesting.password, 28000),
            ("expired", OracleTesting.password, 28001), ("nosession", OracleTesting.password, 1045),
        ]
        for (user, password, code) in cases {
            let (action, server, _) = Self.run(user: user, password: password)
            guard case .failed(.server(let error)) = action else {
                Issue.record("\(user): \(action) \(server.log)")
                continue
            }
            #expect(error.code == code, "\(user): \(error)")
            #expect(error.message?.hasPrefix(error.oraCode) == true, "\(error)")
            #expect(server.loggedInUser == nil)
        }
    }

    @Test func aBreakMarkerIsAnsweredWithResetAndTheErrorRead() {
        let (action, server, sent) = Self.run(
            user: "artie", password: "wrong-password", rules: OracleTesting.serverRules(breakBeforeErrors: true))
        guard case .failed(.server(let error)) = action else {
            Issue.record("\(action) \(server.log)")
            return
        }
        #expect(error.code == 1017)
        #expect(sent.contains { $0.type == .marker && $0.payload == [1, 0, 2] })
        #expect(server.log.contains("RESET"))
    }

    @Test func the23aiLayoutIsNegotiated() {
        let rules = OracleTesting.serverRules(fieldVersion: TTCFieldVersion.v23_4)
        let (action, server, _) = Self.run(user: "artie", password: OracleTesting.password, rules: rules)
        guard case .loggedIn(let session) = action else {
            Issue.record("\(action) \(server.log) \(server.violation ?? "")")
            return
        }
        // This client speaks at most 19.1 ext 1, so the server must come down to it.
        #expect(session.fieldVersion == TTCFieldVersion.v19_1Ext1)
        let (wrong, _, _) = Self.run(user: "artie", password: "nope-nope", rules: rules)
        #expect(
            wrong
                == .failed(
                    .server(TTCServerError(code: 1017, message: "ORA-01017: invalid username/password; logon denied"))))
    }

    @Test func a10GVerifierIsNamedBeforeThePasswordIsSent() {
        let (action, server, sent) = Self.run(user: "old10g", password: OracleTesting.password)
        #expect(action == .failed(.unsupportedVerifier(O5Logon.verifier10g)))
        #expect(!server.log.contains { $0.hasPrefix("AUTH2") })
        #expect(sent.count == 3, "protocol, data types, phase one only")
    }

    @Test func anImpostorCannotProveItKnowsTheVerifier() {
        let (action, server, _) = Self.run(
            user: "artie", password: OracleTesting.password, rules: OracleTesting.serverRules(impostor: true))
        #expect(action == .failed(.unprovenServer(hasResponse: true)), "\(server.log)")
    }

    @Test func brokenAnswersAreNamed() {
        var login = OracleLogin(user: "artie", password: "x")
        _ = login.start()
        let garbage = login.receive(OracleLogin.data([0xDE, 0xAD]))
        guard case .failed(.broken(let text)) = garbage else {
            Issue.record("\(garbage)")
            return
        }
        #expect(text.contains("unknown type 222"), "\(text)")
        var eof = OracleLogin(user: "artie", password: "x")
        _ = eof.start()
        #expect(eof.receive(OracleLogin.data([], flags: 0x40)) == .failed(.closedSession(eof.stage)))
        var split = OracleLogin(user: "artie", password: "x")
        _ = split.start()
        let answer = ScriptedOracleMessages.protocolAnswer(fieldVersion: TTCFieldVersion.v19_1Ext1)
        #expect(split.receive(OracleLogin.data(Array(answer.prefix(10)))) == .read, "half an answer waits for more")
        guard case .send(let next) = split.receive(OracleLogin.data(Array(answer.dropFirst(10)))) else {
            Issue.record("the rest of the answer should lead to the data types")
            return
        }
        #expect(next.payload.dropFirst(2).first == TTCMessageType.dataTypes)
    }
}

extension [UInt8] {
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, count >= needle.count else { return false }
        return (0...(count - needle.count)).contains { Array(self[$0..<$0 + needle.count]) == needle }
    }
}
