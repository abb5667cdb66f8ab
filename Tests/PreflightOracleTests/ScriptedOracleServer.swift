import Crypto
import PreflightOracle
import Synchronization

/// The database side of the scripted listener after its ACCEPT, as Oracle does it: protocol
/// negotiation, data types, AUTH phase one (a challenge: the user's verifier salt and the server's half
/// of the session key encrypted with the verifier; an unknown user gets a made-up one, so that phase
/// one never tells whether a user exists), AUTH phase two (the client's half decrypted, the combined
/// key made, the password decrypted and checked against the stored verifier, the speedy key too for
/// 12c; then ORA-01017, ORA-28000, ORA-28001 or ORA-01045, else the session and `AUTH_SVR_RESPONSE`),
/// LOGOFF and the final EOF. After the login it answers EXECUTE (0x5E, no binds) and FETCH (0x05) for
/// the views the readiness queries read (V$DATABASE only with SELECT_CATALOG_ROLE, else ORA-00942), with
/// describe information, rows and ORA-01403 at the end, and takes a "close cursors" piggyback. Each
/// user's verifier is derived once from its password and a fixed salt, as when the password was set.
/// Any message out of order, or malformed, is a violation and closes the connection. Pure: `receive`
/// gives what to send.
struct ScriptedOracleServer {
    enum Verifier: Sendable {
        case v12c, v11g, v10g
    }

    struct User: Sendable {
        var name: String
        var password: String
        var verifier: Verifier = .v12c
        var locked = false
        var expired = false
        /// In its grace period: the login works with the warning ORA-28002.
        var expiresSoon = false
        var canCreateSession = true
        /// What SESSION_PRIVS lists for the user (CREATE SESSION is added when it may log in).
        var privileges: Set<String> = []
        /// What SESSION_ROLES lists.
        var roles: Set<String> = []
        /// EXECUTE on SYS.DBMS_LOGMNR granted directly (USER_TAB_PRIVS).
        var executeOnLogMiner = false
    }

    struct Rules: Sendable {
        var users: [User]
        /// The field version this server speaks (13: 19c; 24: 23ai).
        var fieldVersion: UInt8 = TTCFieldVersion.v19_1Ext1
        /// Send a BREAK marker before an error and wait for the client's RESET, as a server does
        /// when it interrupts a call.
        var breakBeforeErrors = false
        /// Accept any password without knowing the verifier (an impostor): its AUTH_SVR_RESPONSE
        /// cannot prove anything.
        var impostor = false
        /// Close the connection when AUTH phase two arrives.
        var closeAtPhaseTwo = false
        /// V$DATABASE.LOG_MODE and SUPPLEMENTAL_LOG_DATA_MIN.
        var logMode = "ARCHIVELOG"
        var supplementalLogDataMin = "YES"
        /// The most rows one EXECUTE or FETCH answers (a query's rest follows on FETCH).
        var rowsPerCall = 1000
        /// Close the connection when the first EXECUTE arrives.
        var closeAtExecute = false
    }

    /// What the server does next.
    enum Reply {
        case send([TNSPacket])
        case nothing
        case close
    }

    private struct Stored {
        var user: User?
        var verifier: Verifier
        var key: [UInt8]
        var challenge: O5Logon.Challenge
        var serverHalf: [UInt8]
    }

    let rules: Rules
    var log: [String] = []
    private(set) var violation: String?
    /// The user that logged in, when one did.
    private(set) var loggedInUser: String?
    private var stage = 0
    private var pending: [UInt8] = []
    private(set) var fieldVersion: UInt8
    private var stored: Stored?
    private var pendingError: [UInt8]?
    private var clientTypes: [(UInt16, UInt16)] = []
    var sessionUser: User?
    /// Open cursors: their columns' count and the rows not sent yet.
    var cursors: [UInt16: [[String?]]] = [:]
    var nextCursor: UInt16 = 1
    /// The queries the session ran, as sent.
    var queries: [String] = []

    init(_ rules: Rules) {
        self.rules = rules
        fieldVersion = rules.fieldVersion
    }

    static let vgenCount = 4096
    static let sderCount = 3

    mutating func violate(_ text: String) -> Reply {
        if violation == nil { violation = text }
        return .close
    }

    func data(_ bytes: [UInt8], flags: UInt16 = 0) -> TNSPacket { OracleLogin.data(bytes, flags: flags) }

    mutating func receive(_ packet: TNSPacket) -> Reply {
        if packet.type == .marker {
            guard packet.payload.count >= 3, packet.payload[2] == 2, let error = pendingError else {
                return violate("an unexpected MARKER from the client")
            }
            pendingError = nil
            log.append("RESET")
            return .send([TNSPacket(type: .marker, payload: [1, 0, 2]), data(error)])
        }
        guard packet.type == .data, packet.payload.count >= 2 else {
            return violate("a \(packet.type) packet after ACCEPT")
        }
        if pendingError != nil { return violate("DATA while a BREAK waits for the client's RESET") }
        let flags = UInt16(packet.payload[0]) << 8 | UInt16(packet.payload[1])
        if flags & 0x40 != 0 {
            log.append("EOF")
            return .close
        }
        pending += packet.payload.dropFirst(2)
        var reader = TTCReader(pending)
        let reply: Reply
        do throws(TTCDecodeError) {
            reply = try handle(&reader)
        } catch .truncated {
            return .nothing
        } catch {
            return violate("\(error)")
        }
        pending = []
        return reply
    }

    private mutating func handle(_ reader: inout TTCReader) throws(TTCDecodeError) -> Reply {
        let type = try reader.uint8()
        switch (stage, type) {
        case (0, TTCMessageType.protocolNegotiation):
            guard try reader.uint8() == 6 else { return violate("protocol negotiation of a version other than 6") }
            _ = try reader.nullTerminated()
            stage = 1
            log.append("PROTOCOL")
            return .send([data(ScriptedOracleMessages.protocolAnswer(fieldVersion: rules.fieldVersion))])
        case (1, TTCMessageType.dataTypes):
            let charset = try reader.uint16LE()
            _ = try reader.uint16LE()
            _ = try reader.uint8()
            guard let caps = try reader.bytesWithLength(), caps.count > 7 else {
                return violate("data types without compile capabilities")
            }
            guard caps[4] & 8 != 0 else { return violate("a client without O5LOGON in its logon types") }
            _ = try reader.bytesWithLength()
            while true {
                let type = try reader.uint16BE()
                if type == 0 { break }
                let converted = try reader.uint16BE()
                try reader.skip(4)
                clientTypes.append((type, converted))
            }
            guard charset == 873 else { return violate("a client character set \(charset), not AL32UTF8") }
            fieldVersion = min(rules.fieldVersion, caps[7])
            stage = 2
            log.append("DATA_TYPES")
            return .send([data(ScriptedOracleMessages.dataTypesAnswer(clientTypes))])
        case (4, 17):
            // A piggyback before the call: only "close these cursors" (0x69) is expected.
            let function = try reader.uint8()
            _ = try reader.uint8()
            if fieldVersion >= TTCFieldVersion.v23_1Ext1 { _ = try reader.ub8() }
            guard function == 0x69 else { return violate("a piggyback of function 0x\(String(function, radix: 16))") }
            _ = try reader.uint8()
            let count = try reader.ub4()
            guard count <= 1000 else { return violate("\(count) cursors to close") }
            for _ in 0..<count { cursors[UInt16(clamping: try reader.ub4())] = nil }
            log.append("CLOSE_CURSORS \(count)")
            return try handle(&reader)
        case (2, TTCMessageType.function), (3, TTCMessageType.function), (4, TTCMessageType.function):
            let function = try reader.uint8()
            _ = try reader.uint8()  // sequence
            if fieldVersion >= TTCFieldVersion.v23_1Ext1 { _ = try reader.ub8() }
            switch (stage, function) {
            case (2, TTCFunction.authPhaseOne):
                let (user, values) = try readAuth(&reader)
                for key in ["AUTH_TERMINAL", "AUTH_PROGRAM_NM", "AUTH_MACHINE", "AUTH_PID", "AUTH_SID"]
                where values[key] == nil {
                    return violate("AUTH phase one without \(key)")
                }
                stage = 3
                log.append("AUTH1 \(user)")
                return .send([data(phaseOne(user))])
            case (3, TTCFunction.authPhaseTwo):
                let (user, values) = try readAuth(&reader)
                log.append("AUTH2 \(user)")
                if rules.closeAtPhaseTwo { return .close }
                return phaseTwo(user, values)
            case (4, TTCFunction.logoff), (4, TTCFunction.ping):
                log.append(function == TTCFunction.logoff ? "LOGOFF" : "PING")
                return .send([data(ScriptedOracleMessages.status())])
            case (4, TTCFunction.execute):
                if rules.closeAtExecute {
                    log.append("EXECUTE")
                    return .close
                }
                return try execute(&reader)
            case (4, TTCFunction.fetch):
                let cursor = UInt16(clamping: try reader.ub4())
                let rows = Int(try reader.ub4())
                guard let remaining = cursors[cursor] else { return violate("FETCH of cursor \(cursor), not open") }
                log.append("FETCH \(cursor)")
                return .send([data(answerRows(remaining, cursor: cursor, limit: rows, describe: nil))])
            default:
                return violate("function 0x\(String(function, radix: 16)) at stage \(stage)")
            }
        default:
            return violate("a message of type \(type) at stage \(stage)")
        }
    }

    private func readAuth(_ reader: inout TTCReader) throws(TTCDecodeError) -> (String, [String: String]) {
        let hasUser = try reader.uint8()
        let userLength = try reader.ub4()
        _ = try reader.ub4()  // mode
        _ = try reader.uint8()
        let pairs = try reader.ub4()
        _ = try reader.uint8()
        _ = try reader.uint8()
        guard hasUser == 1, userLength > 0, let user = try reader.bytesWithLength(), user.count == userLength else {
            throw .malformed("a login without its user")
        }
        guard pairs <= 64 else { throw .malformed("\(pairs) key-value pairs in a login") }
        var values: [String: String] = [:]
        for _ in 0..<pairs {
            let key = try reader.stringWithLength() ?? ""
            let value = try reader.stringWithLength() ?? ""
            _ = try reader.ub4()
            values[key] = value
        }
        return (String(decoding: user, as: UTF8.self), values)
    }

    private func user(named name: String) -> User? {
        rules.users.first { $0.name.uppercased() == name.uppercased() }
    }

    private static func random(_ count: Int) -> [UInt8] { O5Logon.systemRandom(count) }

    /// Verifiers already derived, by password, salt and type: what Oracle keeps instead of passwords,
    /// so that a password is stretched once, as when it was set, not at each login.
    private static let verifiers = Mutex<[String: [UInt8]]>([:])

    private static func verifier(_ password: [UInt8], _ challenge: O5Logon.Challenge) -> [UInt8]? {
        let name = O5Logon.hex(password) + "/" + O5Logon.hex(challenge.salt) + "/\(challenge.verifierType)"
        if let known = verifiers.withLock({ $0[name] }) { return known }
        guard let key = try? O5Logon.verifierKey(password: password, challenge: challenge).key else { return nil }
        verifiers.withLock { $0[name] = key }
        return key
    }

    private mutating func phaseOne(_ name: String) -> [UInt8] {
        let user = user(named: name)
        let verifier = user?.verifier ?? .v12c
        // A user's salt is fixed, as the verifier Oracle stores with it; an unknown user gets a new one.
        let salt =
            user.map { Array(SHA256.hash(data: Array("salt:\($0.name.uppercased())".utf8)).prefix(16)) }
            ?? Self.random(16)
        var challenge = O5Logon.Challenge(
            verifierType: verifier == .v12c
                ? O5Logon.verifier12c : verifier == .v11g ? O5Logon.verifier11g : O5Logon.verifier10g,
            salt: salt, encryptedServerKey: [], vgenCount: Self.vgenCount, cskSalt: Self.random(32),
            sderCount: Self.sderCount)
        // The verifier as the server stores it: derived from the password when the user was made.
        let key: [UInt8]
        if let user, verifier != .v10g, !rules.impostor {
            key = Self.verifier(Array(user.password.utf8), challenge) ?? []
        } else {
            key = Self.random(verifier == .v11g ? 24 : 32)
        }
        let serverHalf = Self.random(verifier == .v11g ? 48 : 32)
        challenge.encryptedServerKey = (try? O5Logon.encrypt(serverHalf, key: key, padded: false)) ?? []
        stored = Stored(user: user, verifier: verifier, key: key, challenge: challenge, serverHalf: serverHalf)
        var pairs = [
            ("AUTH_SESSKEY", O5Logon.hex(challenge.encryptedServerKey)),
            ("AUTH_VFR_DATA", verifier == .v10g ? "" : O5Logon.hex(salt)),
        ]
        if verifier == .v12c {
            pairs += [
                ("AUTH_PBKDF2_CSK_SALT", O5Logon.hex(challenge.cskSalt)),
                ("AUTH_PBKDF2_VGEN_COUNT", String(Self.vgenCount)),
                ("AUTH_PBKDF2_SDER_COUNT", String(Self.sderCount)),
            ]
        }
        pairs.append(("AUTH_GLOBALLY_UNIQUE_DBID\0", "D6D5C1E0F9E6A1B2C3D4E5F60718293A"))
        return ScriptedOracleMessages.parameters(pairs, verifierType: challenge.verifierType)
            + ScriptedOracleMessages.error(code: 0, fieldVersion: fieldVersion)
    }

    private mutating func fail(_ code: UInt32, _ text: String) -> Reply {
        let message = ScriptedOracleMessages.error(code: code, message: text, fieldVersion: fieldVersion)
        log.append("ORA-\(code)")
        stage = 5
        if rules.breakBeforeErrors {
            pendingError = message
            return .send([TNSPacket(type: .marker, payload: [1, 0, 1])])
        }
        return .send([data(message)])
    }

    private mutating func phaseTwo(_ name: String, _ values: [String: String]) -> Reply {
        guard let stored, stored.verifier != .v10g else {
            return violate("AUTH phase two for a 10G verifier (the client should have stopped)")
        }
        guard let clientKeyText = values["AUTH_SESSKEY"], let clientKey = O5Logon.bytes(hex: clientKeyText),
            let passwordText = values["AUTH_PASSWORD"], let encrypted = O5Logon.bytes(hex: passwordText)
        else {
            return violate("AUTH phase two without AUTH_SESSKEY and AUTH_PASSWORD in hex")
        }
        guard clientKey.count == stored.serverHalf.count else {
            return violate("the client's session key half is \(clientKey.count) bytes, not \(stored.serverHalf.count)")
        }
        guard let clientHalf = try? O5Logon.decrypt(clientKey, key: stored.key),
            let combined = try? O5Logon.combinedKey(
                serverHalf: stored.serverHalf, clientHalf: clientHalf, challenge: stored.challenge),
            let plain = try? O5Logon.decrypt(encrypted, key: combined)
        else {
            return fail(1017, "ORA-01017: invalid username/password; logon denied")
        }
        var knowsPassword = false
        if stored.user != nil, let padding = plain.last, (1...16).contains(Int(padding)),
            plain.count >= 16 + Int(padding)
        {
            let password = Array(plain[16..<plain.count - Int(padding)])
            knowsPassword = Self.verifier(password, stored.challenge) == stored.key
            if stored.verifier == .v12c, knowsPassword {
                guard let speedyText = values["AUTH_PBKDF2_SPEEDY_KEY"], let speedy = O5Logon.bytes(hex: speedyText),
                    speedy.count == 80, let speedyPlain = try? O5Logon.decrypt(speedy, key: combined)
                else {
                    return violate("AUTH phase two for a 12c verifier without an 80-byte AUTH_PBKDF2_SPEEDY_KEY")
                }
                knowsPassword =
                    Array(SHA512.hash(data: Array(speedyPlain[16..<80]) + stored.challenge.salt).prefix(32))
                    == stored.key
            }
        }
        if rules.impostor { knowsPassword = true }
        guard knowsPassword, let user = stored.user ?? (rules.impostor ? User(name: name, password: "") : nil) else {
            return fail(1017, "ORA-01017: invalid username/password; logon denied")
        }
        if user.locked { return fail(28000, "ORA-28000: The account is locked.") }
        if user.expired { return fail(28001, "ORA-28001: the password has expired") }
        if !user.canCreateSession {
            return fail(1045, "ORA-01045: user \(user.name.uppercased()) lacks CREATE SESSION privilege; logon denied")
        }
        loggedInUser = user.name
        sessionUser = user
        stage = 4
        let proof =
            (try? O5Logon.encrypt(Self.random(16) + Array("SERVER_TO_CLIENT".utf8), key: combined, padded: true)) ?? []
        let pairs = [
            ("AUTH_VERSION_STRING", "- Production"),
            ("AUTH_VERSION_SQL", "13"),
            ("AUTH_XACTION_TRAITS", "3"),
            ("AUTH_VERSION_NO", String(19 << 24 | 3 << 16)),
            ("AUTH_SESSION_ID", "42"),
            ("AUTH_SERIAL_NUM", "4711"),
            ("AUTH_INSTANCENAME", "FREE"),
            ("AUTH_SC_SERVICE_NAME", "FREEPDB1"),
            ("AUTH_SVR_RESPONSE", O5Logon.hex(proof)),
        ]
        log.append("LOGGED_IN \(user.name)")
        let warning =
            user.expiresSoon
            ? ScriptedOracleMessages.warning(code: 28002, "ORA-28002: the password will expire within 7 days") : []
        return .send([
            data(
                ScriptedOracleMessages.parameters(pairs) + warning
                    + ScriptedOracleMessages.error(code: 0, fieldVersion: fieldVersion))
        ])
    }
}
