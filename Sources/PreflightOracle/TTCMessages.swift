/// TTC message types (the first byte of each message inside DATA packets).
public enum TTCMessageType {
    public static let protocolNegotiation: UInt8 = 1
    public static let dataTypes: UInt8 = 2
    public static let function: UInt8 = 3
    public static let error: UInt8 = 4
    public static let rowHeader: UInt8 = 6
    public static let rowData: UInt8 = 7
    public static let parameter: UInt8 = 8
    public static let status: UInt8 = 9
    public static let ioVector: UInt8 = 11
    public static let warning: UInt8 = 15
    public static let describeInfo: UInt8 = 16
    public static let bitVector: UInt8 = 21
    public static let serverSidePiggyback: UInt8 = 23
    public static let endOfResponse: UInt8 = 29
}

/// TTC function codes (the byte after message type 3).
public enum TTCFunction {
    public static let authPhaseOne: UInt8 = 0x76
    public static let authPhaseTwo: UInt8 = 0x73
    public static let logoff: UInt8 = 0x09
    public static let ping: UInt8 = 0x93
    public static let execute: UInt8 = 0x5E
    public static let fetch: UInt8 = 0x05
}

/// The TTC field versions that change message layouts (negotiated: the lower of client and server).
public enum TTCFieldVersion {
    public static let v12_2: UInt8 = 8
    public static let v18_1Ext1: UInt8 = 11
    public static let v19_1Ext1: UInt8 = 13
    public static let v20_1: UInt8 = 14
    public static let v23_1: UInt8 = 17
    public static let v23_1Ext1: UInt8 = 18
    public static let v23_1Ext3: UInt8 = 20
    public static let v23_4: UInt8 = 24
}

/// The client's side of the messages a login needs. Pure encoders; `TTCRequests.client` is this
/// client's capabilities (field version 19.1 ext 1: no 20c error fields, no 23ai tokens).
public enum TTCRequests {
    /// The compile-time capabilities sent with the data types: the logon types (O5LOGON), the field
    /// version, end-of-call status.
    public static func compileCapabilities(fieldVersion: UInt8 = TTCFieldVersion.v19_1Ext1) -> [UInt8] {
        var caps = [UInt8](repeating: 0, count: 55)
        caps[0] = 6  // SQL version
        caps[4] = 8 | 2 | 32 | 64 | 0x80  // O5LOGON, O5LOGON_NP, O7LOGON, long identifiers, long passwords
        caps[7] = fieldVersion
        caps[8] = 1  // server define conversion
        caps[15] = 0x20 | 0x01 | 0x08  // fast bind vectors, end-of-call status, indicator records
        caps[17] = 3  // TDS version
        caps[18] = 7  // RPC version
        caps[19] = 3  // RPC signature
        caps[21] = 1  // DBF version
        caps[27] = 1  // ub2 data types
        caps[34] = 12  // client functions
        caps[39] = TTCFieldVersion.v12_2  // session signature version
        return caps
    }

    /// The runtime capabilities: 8.1 compatibility, zero copy, 32 KiB strings.
    public static let runtimeCapabilities: [UInt8] = [2, 0, 0, 0, 0, 0, 0x01 | 0x04, 0, 0, 0, 0]

    /// Message 1: "protocol version 6, this client".
    public static func protocolNegotiation(driver: String = "Preflight") -> [UInt8] {
        [TTCMessageType.protocolNegotiation, 6, 0] + Array(driver.utf8) + [0]
    }

    /// The data types this client takes (type, converted type, representation): the scalar types a
    /// login and a query of text columns meet.
    static let dataTypeTable: [(UInt16, UInt16, UInt16)] = [
        (1, 1, 1), (2, 2, 10), (8, 8, 1), (12, 12, 10), (23, 23, 1), (24, 24, 1), (25, 25, 1), (26, 26, 1),
        (27, 27, 10), (28, 28, 1), (29, 29, 1), (30, 30, 1), (31, 31, 1), (32, 32, 1), (33, 33, 1), (10, 10, 1),
        (11, 11, 1), (40, 40, 1), (41, 41, 1), (117, 117, 1), (120, 120, 1), (290, 290, 1), (291, 291, 1),
        (292, 292, 1), (293, 293, 1), (294, 294, 1), (96, 96, 1),
    ]

    /// Message 2: the character sets (AL32UTF8), the capabilities, the data types.
    public static func dataTypes(fieldVersion: UInt8 = TTCFieldVersion.v19_1Ext1) -> [UInt8] {
        var writer = TTCWriter()
        writer.uint8(TTCMessageType.dataTypes)
        writer.uint16LE(873)
        writer.uint16LE(873)
        writer.uint8(0x01 | 0x02)  // multi-byte, converted lengths
        writer.bytesWithLength(compileCapabilities(fieldVersion: fieldVersion))
        writer.bytesWithLength(runtimeCapabilities)
        for (type, converted, representation) in dataTypeTable {
            writer.uint16BE(type)
            writer.uint16BE(converted)
            writer.uint16BE(representation)
            writer.uint16BE(0)
        }
        writer.uint16BE(0)
        return writer.bytes
    }

    /// A function call's header: message type 3, the function, the sequence number (and, from field
    /// version 23.1 ext 1, a token number).
    static func functionHeader(_ function: UInt8, sequence: UInt8, fieldVersion: UInt8, into writer: inout TTCWriter) {
        writer.uint8(TTCMessageType.function)
        writer.uint8(function)
        writer.uint8(sequence)
        if fieldVersion >= TTCFieldVersion.v23_1Ext1 { writer.ub(0) }
    }

    /// Who is logging in, as the login's first call sends it.
    public struct Client: Sendable, Equatable {
        public var terminal = "unknown"
        public var program = "preflight"
        public var machine = "preflight"
        public var pid = "1"
        public var osUser = "preflight"

        public init() {}
    }

    /// AUTH phase one (0x76): the user, and who the client is.
    public static func authPhaseOne(user: String, client: Client, sequence: UInt8, fieldVersion: UInt8) -> [UInt8] {
        var writer = TTCWriter()
        authHeader(
            TTCFunction.authPhaseOne, user: user, mode: 1, pairs: 5, sequence: sequence, fieldVersion: fieldVersion,
            into: &writer)
        writer.keyValue("AUTH_TERMINAL", client.terminal)
        writer.keyValue("AUTH_PROGRAM_NM", client.program)
        writer.keyValue("AUTH_MACHINE", client.machine)
        writer.keyValue("AUTH_PID", client.pid)
        writer.keyValue("AUTH_SID", client.osUser)
        return writer.bytes
    }

    /// AUTH phase two (0x73): the client's half of the session key, the encrypted password (and the
    /// speedy key for 12c), the client's character set and name.
    public static func authPhaseTwo(
        user: String, answer: O5Logon.Answer, sequence: UInt8, fieldVersion: UInt8, driver: String = "Preflight"
    ) -> [UInt8] {
        var writer = TTCWriter()
        let pairs: UInt32 = answer.speedyKey == nil ? 5 : 6
        authHeader(
            TTCFunction.authPhaseTwo, user: user, mode: 1 | 0x100, pairs: pairs, sequence: sequence,
            fieldVersion: fieldVersion, into: &writer)
        writer.keyValue("AUTH_SESSKEY", answer.sessionKey, flags: 1)
        if let speedy = answer.speedyKey { writer.keyValue("AUTH_PBKDF2_SPEEDY_KEY", speedy) }
        writer.keyValue("AUTH_PASSWORD", answer.password)
        writer.keyValue("SESSION_CLIENT_CHARSET", "873")
        writer.keyValue("SESSION_CLIENT_DRIVER_NAME", driver)
        writer.keyValue("SESSION_CLIENT_VERSION", "0")
        return writer.bytes
    }

    private static func authHeader(
        _ function: UInt8, user: String, mode: UInt32, pairs: UInt32, sequence: UInt8, fieldVersion: UInt8,
        into writer: inout TTCWriter
    ) {
        functionHeader(function, sequence: sequence, fieldVersion: fieldVersion, into: &writer)
        let userBytes = Array(user.utf8)
        writer.uint8(userBytes.isEmpty ? 0 : 1)
        writer.ub4(UInt32(userBytes.count))
        writer.ub4(mode)
        writer.uint8(1)
        writer.ub4(pairs)
        writer.uint8(1)
        writer.uint8(1)
        if !userBytes.isEmpty { writer.bytesWithLength(userBytes) }
    }

    /// LOGOFF (0x09).
    public static func logoff(sequence: UInt8, fieldVersion: UInt8) -> [UInt8] {
        var writer = TTCWriter()
        functionHeader(TTCFunction.logoff, sequence: sequence, fieldVersion: fieldVersion, into: &writer)
        return writer.bytes
    }
}
