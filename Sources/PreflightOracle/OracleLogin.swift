/// The client's side of the login after the listener's ACCEPT, without I/O: protocol negotiation
/// (message 1), data types (message 2), AUTH phase one (0x76) and phase two (0x73, O5LOGON), then the
/// check of the server's `AUTH_SVR_RESPONSE`. A BREAK marker from the server is answered with RESET
/// and the error that follows is read, as Oracle's clients do.
public struct OracleLogin: Sendable {
    public enum Action: Sendable, Equatable {
        /// Write this packet.
        case send(TNSPacket)
        /// Read the next packet.
        case read
        /// The server accepted the credentials and proved it knew the verifier.
        case loggedIn(OracleSession)
        case failed(OracleLoginFailure)
    }

    enum Phase: Sendable, Equatable {
        case negotiating, dataTypes, phaseOne, phaseTwo, done
    }

    private let user: String
    private let password: [UInt8]
    private let client: TTCRequests.Client
    private let random: @Sendable (Int) -> [UInt8]
    private var phase = Phase.negotiating
    private var pending: [UInt8] = []
    private var sequence: UInt8 = 0
    private var fieldVersion = TTCFieldVersion.v19_1Ext1
    private var serverProtocol: TTCServerProtocol?
    private var challenge: O5Logon.Challenge?
    private var answer: O5Logon.Answer?
    /// After a BREAK marker: waiting for the server's RESET, then its error.
    private var markers = TNSBreakReset()
    /// DATA packets of the answer being read (each one re-reads the answer from its start).
    private var packetsInAnswer = 0
    /// The most bytes one response may take.
    static let responseLimit = 1 << 20
    /// The most DATA packets one response may take (a login's answers take one or two).
    static let packetLimit = 256

    public init(
        user: String, password: String, client: TTCRequests.Client = TTCRequests.Client(),
        random: @escaping @Sendable (Int) -> [UInt8] = O5Logon.systemRandom
    ) {
        self.user = user
        self.password = Array(password.utf8)
        self.client = client
        self.random = random
    }

    /// The field version both sides use, once negotiated.
    public var negotiatedFieldVersion: UInt8 { fieldVersion }

    /// Where the login stands, for a message when the server goes quiet or away.
    public var stage: String {
        switch phase {
        case .negotiating: "the TTC protocol negotiation"
        case .dataTypes: "the data types exchange"
        case .phaseOne: "the login's first call (AUTH phase one)"
        case .phaseTwo: "the login's second call (AUTH phase two, the encrypted password)"
        case .done: "the login"
        }
    }

    /// The first packet.
    public mutating func start() -> Action {
        .send(Self.data(TTCRequests.protocolNegotiation()))
    }

    /// A DATA packet with these messages.
    public static func data(_ messages: [UInt8], flags: UInt16 = 0) -> TNSPacket {
        TNSPacket(type: .data, payload: [UInt8(flags >> 8), UInt8(flags & 0xFF)] + messages)
    }

    /// The next packet from the server.
    public mutating func receive(_ packet: TNSPacket) -> Action {
        switch packet.type {
        case .marker:
            switch markers.marker(packet.payload) {
            case .read: return .read
            case .send(let reset):
                pending = []
                return .send(reset)
            case .malformed(let what): return .failed(.broken(what))
            }
        case .data:
            break
        case .control:
            return .read
        default:
            return .failed(.broken("a \(packet.type) packet during \(stage)"))
        }
        guard packet.payload.count >= 2 else { return .failed(.broken("a DATA packet without its flags")) }
        if markers.resetting { return .read }
        let flags = UInt16(packet.payload[0]) << 8 | UInt16(packet.payload[1])
        pending += packet.payload.dropFirst(2)
        packetsInAnswer += 1
        guard packetsInAnswer <= Self.packetLimit else {
            return .failed(.broken("an answer in more than \(Self.packetLimit) packets during \(stage)"))
        }
        if flags & 0x40 != 0, pending.isEmpty { return .failed(.closedSession(stage)) }
        guard pending.count <= Self.responseLimit else {
            return .failed(.broken("an answer of more than \(Self.responseLimit) bytes during \(stage)"))
        }
        let response: TTCResponse
        do throws(TTCDecodeError) {
            response = try TTCResponse.decode(pending, fieldVersion: fieldVersion)
        } catch .truncated {
            return .read
        } catch {
            return .failed(.broken("\(error) during \(stage)"))
        }
        pending = []
        packetsInAnswer = 0
        return advance(response)
    }

    private mutating func nextSequence() -> UInt8 {
        sequence = sequence == 255 ? 1 : sequence + 1
        return sequence
    }

    private mutating func advance(_ response: TTCResponse) -> Action {
        if let error = response.error { return .failed(.server(error)) }
        switch phase {
        case .negotiating:
            guard let server = response.serverProtocol else {
                return .failed(
                    .broken("the answer to the protocol negotiation is not one (messages \(response.messageTypes))"))
            }
            serverProtocol = server
            fieldVersion = min(TTCFieldVersion.v19_1Ext1, server.fieldVersion)
            phase = .dataTypes
            return .send(Self.data(TTCRequests.dataTypes(fieldVersion: fieldVersion)))
        case .dataTypes:
            guard response.dataTypesAnswered else {
                return .failed(.broken("the answer to the data types is not one (messages \(response.messageTypes))"))
            }
            phase = .phaseOne
            return .send(
                Self.data(
                    TTCRequests.authPhaseOne(
                        user: user, client: client, sequence: nextSequence(), fieldVersion: fieldVersion)))
        case .phaseOne:
            guard let type = response.verifierType else {
                return .failed(.broken("the answer to AUTH phase one has no AUTH_VFR_DATA"))
            }
            guard [O5Logon.verifier11g, O5Logon.verifier11gAlternative, O5Logon.verifier12c].contains(type) else {
                return .failed(.unsupportedVerifier(type))
            }
            let answer: O5Logon.Answer
            do {
                let challenge = try O5Logon.Challenge(response.parameters, verifierType: type)
                self.challenge = challenge
                answer = try O5Logon.answer(password: password, challenge: challenge, random: random)
            } catch {
                return .failed(.broken("\(error)"))
            }
            self.answer = answer
            phase = .phaseTwo
            return .send(
                Self.data(
                    TTCRequests.authPhaseTwo(
                        user: user, answer: answer, sequence: nextSequence(), fieldVersion: fieldVersion)))
        case .phaseTwo:
            guard let answer, let challenge else { return .failed(.broken("a login answer out of order")) }
            guard O5Logon.serverProves(response.parameters["AUTH_SVR_RESPONSE"], combinedKey: answer.combinedKey) else {
                return .failed(.unprovenServer(hasResponse: response.parameters["AUTH_SVR_RESPONSE"] != nil))
            }
            phase = .done
            let values = response.parameters
            return .loggedIn(
                OracleSession(
                    verifierType: challenge.verifierType, version: values["AUTH_VERSION_STRING"],
                    versionNumber: values["AUTH_VERSION_NO"].flatMap { UInt32($0) },
                    sessionID: values["AUTH_SESSION_ID"], serialNumber: values["AUTH_SERIAL_NUM"],
                    banner: serverProtocol?.banner ?? "", fieldVersion: fieldVersion,
                    warning: response.warning, sequence: sequence))
        case .done:
            return .failed(.broken("an answer after the login ended"))
        }
    }

    /// The LOGOFF call and the final DATA packet (flags EOF) that end a session.
    public mutating func logoff() -> [TNSPacket] {
        Self.logoff(sequence: nextSequence(), fieldVersion: fieldVersion)
    }

    /// The LOGOFF call with this sequence number, and the final DATA packet (flags EOF).
    public static func logoff(sequence: UInt8, fieldVersion: UInt8) -> [TNSPacket] {
        [data(TTCRequests.logoff(sequence: sequence, fieldVersion: fieldVersion)), data([], flags: 0x40)]
    }
}

/// What the login learned about the session.
public struct OracleSession: Sendable, Equatable {
    public var verifierType: UInt32
    /// `AUTH_VERSION_STRING` (e.g. "- Production").
    public var version: String?
    /// `AUTH_VERSION_NO`, the release as a number.
    public var versionNumber: UInt32?
    public var sessionID: String?
    public var serialNumber: String?
    public var banner: String
    public var fieldVersion: UInt8
    /// A warning sent with the login (ORA-28002: the password will expire soon).
    public var warning: TTCServerError?
    /// The last call's sequence number (the next call takes the one after it).
    public var sequence: UInt8 = 0

    /// "19.3.0.0.0" from `AUTH_VERSION_NO` (the 18c-and-later layout when the field version says so).
    public var release: String? {
        guard let number = versionNumber else { return nil }
        if fieldVersion >= TTCFieldVersion.v18_1Ext1 {
            return [number >> 24 & 0xFF, number >> 16 & 0xFF, number >> 12 & 0x0F, number >> 4 & 0xFF, number & 0x0F]
                .map(String.init).joined(separator: ".")
        }
        return [number >> 24 & 0xFF, number >> 20 & 0x0F, number >> 12 & 0x0F, number >> 8 & 0x0F, number & 0x0F]
            .map(String.init).joined(separator: ".")
    }

    /// "12c (PBKDF2-SHA512)" or "11g (SHA-1)".
    public var verifierName: String {
        verifierType == O5Logon.verifier12c ? "12c verifier (PBKDF2-SHA512)" : "11g verifier (SHA-1)"
    }
}

/// Why the login did not end logged in.
public enum OracleLoginFailure: Sendable, Equatable {
    /// The server's ORA- error.
    case server(TTCServerError)
    /// The account has only a verifier type this login cannot use (0x939: the 10G one).
    case unsupportedVerifier(UInt32)
    /// The server accepted the login but its AUTH_SVR_RESPONSE did not prove it knew the verifier.
    case unprovenServer(hasResponse: Bool)
    /// The server ended the session (a DATA packet with EOF) during `stage`.
    case closedSession(String)
    /// The bytes broke TTC.
    case broken(String)
}
