/// An error (or the end-of-call status) the server sent as message type 4.
public struct TTCServerError: Sendable, Equatable {
    /// The ORA- number; 0 is no error (the call's end).
    public var code: UInt32
    /// The server's text ("ORA-01017: invalid username/password; logon denied"), trailing space removed.
    public var message: String?
    public var callStatus: UInt32
    /// The cursor the call used (a query's, for the FETCH that continues it).
    public var cursorID: UInt16

    public init(code: UInt32, message: String?, callStatus: UInt32 = 0, cursorID: UInt16 = 0) {
        self.code = code
        self.message = message
        self.callStatus = callStatus
        self.cursorID = cursorID
    }

    /// "ORA-01017".
    public var oraCode: String {
        let digits = String(code)
        return "ORA-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }
}

/// The server's answer to protocol negotiation (message 1).
public struct TTCServerProtocol: Sendable, Equatable {
    public var version: UInt8
    /// The server's banner (e.g. "x86_64/Linux 2.4.xx").
    public var banner: String
    public var charset: UInt16
    public var nationalCharset: UInt16
    public var compileCapabilities: [UInt8]
    public var runtimeCapabilities: [UInt8]

    /// The field version the server's compile capabilities name.
    public var fieldVersion: UInt8 { compileCapabilities.count > 7 ? compileCapabilities[7] : 0 }
}

/// One response of the server, read up to its end: an error message (type 4, also sent with code 0 as
/// the end of a call), a status (type 9) or, for protocol negotiation and data types, that message
/// itself. What was read on the way is kept.
public struct TTCResponse: Sendable, Equatable {
    public var serverProtocol: TTCServerProtocol?
    public var dataTypesAnswered = false
    /// Key-values of PARAMETER messages (the login's), and the verifier type sent with `AUTH_VFR_DATA`.
    public var parameters: [String: String] = [:]
    public var verifierType: UInt32?
    public var error: TTCServerError?
    public var warning: TTCServerError?
    public var callStatus: UInt32 = 0
    /// Message types met, in order (for a peer's description when something is off).
    public var messageTypes: [UInt8] = []

    public init() {}

    /// Reads `bytes` (the DATA packets' messages, concatenated) up to the end of one response.
    /// Throws `.truncated` when the response continues in a packet not yet read.
    public static func decode(_ bytes: [UInt8], fieldVersion: UInt8) throws(TTCDecodeError) -> TTCResponse {
        var reader = TTCReader(bytes)
        var response = TTCResponse()
        while true {
            let type = try reader.uint8()
            guard response.messageTypes.count < 256 else { throw .malformed("more than 256 messages in one response") }
            response.messageTypes.append(type)
            switch type {
            case TTCMessageType.protocolNegotiation:
                response.serverProtocol = try readProtocol(&reader)
                return response
            case TTCMessageType.dataTypes:
                var count = 0
                while try reader.uint16BE() != 0 {
                    count += 1
                    guard count < 4096 else { throw .malformed("a data types answer of more than 4096 types") }
                    if try reader.uint16BE() != 0 { try reader.skip(4) }
                }
                response.dataTypesAnswered = true
                return response
            case TTCMessageType.parameter:
                let count = try reader.ub2()
                for _ in 0..<count {
                    let key = try reader.stringWithLength() ?? ""
                    let value = try reader.stringWithLength() ?? ""
                    let flags = try reader.ub4()
                    if key == "AUTH_VFR_DATA" { response.verifierType = flags }
                    response.parameters[key] = value
                }
            case TTCMessageType.error:
                let error = try readError(&reader, fieldVersion: fieldVersion)
                response.callStatus = error.callStatus
                if error.code != 0 { response.error = error }
                return response
            case TTCMessageType.status:
                response.callStatus = try reader.ub4()
                _ = try reader.ub2()
                return response
            case TTCMessageType.warning:
                if let warning = try readWarning(&reader) { response.warning = warning }
            case TTCMessageType.serverSidePiggyback:
                try skipPiggyback(&reader)
            case TTCMessageType.endOfResponse:
                return response
            default:
                throw .malformed("a TTC message of unknown type \(type)")
            }
        }
    }

    static func readProtocol(_ reader: inout TTCReader) throws(TTCDecodeError) -> TTCServerProtocol {
        let version = try reader.uint8()
        _ = try reader.uint8()
        let banner = String(decoding: try reader.nullTerminated(), as: UTF8.self)
        let charset = try reader.uint16LE()
        _ = try reader.uint8()  // server flags
        let elements = Int(try reader.uint16LE())
        try reader.skip(elements * 5)
        let fdoLength = Int(try reader.uint16BE())
        let fdo = try reader.raw(fdoLength)
        guard fdo.count >= 7 else { throw .malformed("a protocol answer whose FDO is \(fdo.count) bytes") }
        let index = 6 + Int(fdo[5]) + Int(fdo[6])
        guard fdo.count >= index + 5 else { throw .malformed("a protocol answer whose FDO is \(fdo.count) bytes") }
        let national = UInt16(fdo[index + 3]) << 8 | UInt16(fdo[index + 4])
        let compile = try reader.bytesWithLength() ?? []
        let runtime = try reader.bytesWithLength() ?? []
        guard compile.count > 7 else {
            throw .malformed("a protocol answer with \(compile.count) bytes of compile capabilities")
        }
        return TTCServerProtocol(
            version: version, banner: banner, charset: charset, nationalCharset: national,
            compileCapabilities: compile, runtimeCapabilities: runtime)
    }

    /// Message type 4, laid out for `fieldVersion`.
    public static func readError(_ reader: inout TTCReader, fieldVersion: UInt8) throws(TTCDecodeError)
        -> TTCServerError
    {
        let callStatus = try reader.ub4()
        _ = try reader.ub2()  // end-to-end sequence
        _ = try reader.ub4()  // current row
        _ = try reader.ub2()  // error number
        _ = try reader.ub2()  // array element errors
        _ = try reader.ub2()
        let cursorID = try reader.ub2()
        _ = try reader.sb2()  // error position
        try reader.skip(6)  // sql type, fatal, flags, user cursor options, UPI parameter, warning flags
        _ = try reader.ub4()  // rowid: block address
        _ = try reader.ub2()  // partition
        try reader.skip(1)
        _ = try reader.ub4()  // block
        _ = try reader.ub2()  // slot
        _ = try reader.ub4()  // OS error
        try reader.skip(2)  // statement number, call number
        _ = try reader.ub2()  // padding
        _ = try reader.ub4()  // success iterations
        if try reader.ub4() > 0 { _ = try reader.bytesWithLength() }  // logical rowid
        let batchErrors = Int(try reader.ub2())
        if batchErrors > 0 {
            let first = try reader.uint8()
            for _ in 0..<batchErrors {
                if first == 0xFE { _ = try reader.ub4() }
                _ = try reader.ub2()
            }
            if first == 0xFE { try reader.skip(1) }
        }
        let offsets = Int(try reader.ub4())
        if offsets > 0 {
            guard offsets <= 65535 else { throw .malformed("\(offsets) batch error offsets") }
            let first = try reader.uint8()
            for _ in 0..<offsets {
                if first == 0xFE { _ = try reader.ub4() }
                _ = try reader.ub4()
            }
            if first == 0xFE { try reader.skip(1) }
        }
        let messages = Int(try reader.ub2())
        if messages > 0 {
            try reader.skip(1)
            for _ in 0..<messages {
                _ = try reader.ub2()
                _ = try reader.bytesWithLength()
                try reader.skip(2)
            }
        }
        let code = try reader.ub4()
        _ = try reader.ub8()  // row count
        if fieldVersion >= TTCFieldVersion.v20_1 {
            _ = try reader.ub4()  // sql type
            _ = try reader.ub4()  // server checksum
        }
        var message: String?
        if code != 0 {
            message = try reader.bytesWithLength().map { String(decoding: $0, as: UTF8.self).trimmingSpaces }
        }
        return TTCServerError(code: code, message: message, callStatus: callStatus, cursorID: cursorID)
    }

    /// A warning message (code, length, flags, then the text when there is one); nil for code 0.
    static func readWarning(_ reader: inout TTCReader) throws(TTCDecodeError) -> TTCServerError? {
        let code = try reader.ub2()
        let length = try reader.ub2()
        _ = try reader.ub2()
        guard code != 0, length > 0 else { return nil }
        let text = try reader.bytesWithLength().map { String(decoding: $0, as: UTF8.self) }
        return TTCServerError(code: UInt32(code), message: text?.trimmingSpaces)
    }

    public static func skipPiggyback(_ reader: inout TTCReader) throws(TTCDecodeError) {
        let opcode = try reader.uint8()
        switch opcode {
        case 1, 3: return
        case 2:
            _ = try reader.ub2()
            _ = try reader.bytesWithLength()
        case 4:
            _ = try reader.ub2()
            try reader.skip(1)
            let count = try reader.ub2()
            if count > 0 {
                try reader.skip(1)
                for _ in 0..<count {
                    if try reader.ub2() > 0 { _ = try reader.bytesWithLength() }
                    if try reader.ub2() > 0 { _ = try reader.bytesWithLength() }
                    _ = try reader.ub2()
                }
            }
            _ = try reader.ub4()
            _ = try reader.ub4()
            _ = try reader.ub2()
        case 5:
            _ = try reader.ub2()
            try reader.skip(1)
            let count = try reader.ub2()
            try reader.skip(1)
            for _ in 0..<count {
                if try reader.ub2() > 0 { _ = try reader.bytesWithLength() }
                if try reader.ub2() > 0 { _ = try reader.bytesWithLength() }
                _ = try reader.ub2()
            }
            _ = try reader.ub4()
        case 7:
            if try reader.ub4() > 0 { _ = try reader.bytesWithLength() }
        case 8:
            _ = try reader.ub2()
            try reader.skip(1)
            _ = try reader.ub4()
            _ = try reader.ub4()
            try reader.skip(1)
            if try reader.ub4() > 0 { _ = try reader.bytesWithLength() }
        case 9:
            _ = try reader.ub2()
            try reader.skip(1)
        case 10:
            _ = try reader.ub2()
            try reader.skip(1)
            _ = try reader.ub8()
            _ = try reader.ub8()
            _ = try reader.ub8()
        default:
            throw .malformed("a server piggyback of unknown kind \(opcode)")
        }
    }
}
