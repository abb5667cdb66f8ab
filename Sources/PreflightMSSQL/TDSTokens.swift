import Foundation

/// An ERROR or INFO token (MS-TDS 2.2.7.10 / 2.2.7.13).
struct TDSServerMessage: Sendable, Equatable {
    var number: Int32
    var state: UInt8
    var severity: UInt8
    var text: String
    var serverName: String
}

/// An ENVCHANGE token, the kinds a ping cares about.
enum TDSEnvChange: Sendable, Equatable {
    case database(String)
    case packetSize(String)
    /// Type 20: the server sends the client elsewhere (Azure SQL's gateway, read-only routing).
    case routing(host: String, port: Int)
    case other(UInt8)
}

/// A column of a COLMETADATA token: how to read its values.
struct TDSColumn: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// Fixed length (INT4, BIT, ...): that many bytes.
        case fixed(type: UInt8, length: Int)
        /// A one-byte length before each value (INTN, BITN, GUID, DECIMALN, ...); 0 is NULL.
        case byteLength(type: UInt8)
        /// A two-byte length before each value (VARCHAR, NVARCHAR, VARBINARY, ...); 0xFFFF is NULL.
        case shortLength(type: UInt8)
    }
    var kind: Kind
    var name: String
}

/// The tokens of a server's answer that a ping reads.
enum TDSToken: Sendable, Equatable {
    case loginAck(tdsVersion: UInt32, program: String, version: String)
    case error(TDSServerMessage)
    case info(TDSServerMessage)
    case envChange(TDSEnvChange)
    case columns([TDSColumn])
    /// A row, each value as text (integers in decimal, bit as 0/1, strings decoded), NULL as nil.
    case row([String?])
    case done(status: UInt16, rowCount: UInt64)
}

/// Reads a token stream (one whole response message). Pure: the probe and the scripted peer's tests use it.
struct TDSTokenReader {
    private let bytes: [UInt8]
    private var index = 0
    private var columns: [TDSColumn] = []

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    static func tokens(_ payload: [UInt8]) throws(TDSDecodeError) -> [TDSToken] {
        var reader = TDSTokenReader(payload)
        var tokens: [TDSToken] = []
        while let token = try reader.next() { tokens.append(token) }
        return tokens
    }

    private mutating func u8(_ what: String) throws(TDSDecodeError) -> UInt8 {
        guard index < bytes.count else { throw .truncated(what) }
        defer { index += 1 }
        return bytes[index]
    }

    private mutating func take(_ count: Int, _ what: String) throws(TDSDecodeError) -> [UInt8] {
        guard count >= 0, index + count <= bytes.count else { throw .truncated(what) }
        defer { index += count }
        return Array(bytes[index..<index + count])
    }

    private mutating func le16(_ what: String) throws(TDSDecodeError) -> Int {
        let b = try take(2, what)
        return Int(b[0]) | Int(b[1]) << 8
    }

    private mutating func le32(_ what: String) throws(TDSDecodeError) -> UInt32 {
        let b = try take(4, what)
        return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
    }

    static func utf16(_ bytes: [UInt8]) -> String {
        String(
            decoding: stride(from: 0, to: bytes.count - 1, by: 2).map {
                UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8
            },
            as: UTF16.self)
    }

    /// B_VARCHAR: a one-byte character count, then UTF-16LE.
    private mutating func bVarchar(_ what: String) throws(TDSDecodeError) -> String {
        Self.utf16(try take(Int(try u8(what)) * 2, what))
    }

    /// US_VARCHAR: a two-byte character count, then UTF-16LE.
    private mutating func usVarchar(_ what: String) throws(TDSDecodeError) -> String {
        Self.utf16(try take(try le16(what) * 2, what))
    }

    /// The next token, nil at the end.
    mutating func next() throws(TDSDecodeError) -> TDSToken? {
        guard index < bytes.count else { return nil }
        let type = try u8("token")
        switch type {
        case 0xAD:
            let length = try le16("LOGINACK")
            let end = index + length
            _ = try u8("LOGINACK interface")
            let version = try take(4, "LOGINACK version").reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            let program = try bVarchar("LOGINACK program")
            let v = try take(4, "LOGINACK program version")
            guard index <= end else { throw .malformed("LOGINACK length") }
            index = end
            return .loginAck(
                tdsVersion: version, program: program, version: "\(v[0]).\(v[1]).\(Int(v[2]) << 8 | Int(v[3]))")
        case 0xAA, 0xAB:
            let length = try le16("ERROR")
            let end = index + length
            let number = Int32(bitPattern: try le32("message number"))
            let state = try u8("state")
            let severity = try u8("class")
            let text = try usVarchar("message text")
            let server = try bVarchar("server name")
            guard end <= bytes.count, index <= end else { throw .malformed("message token length") }
            index = end
            let message = TDSServerMessage(
                number: number, state: state, severity: severity, text: text, serverName: server)
            return type == 0xAA ? .error(message) : .info(message)
        case 0xE3:
            let length = try le16("ENVCHANGE")
            let end = index + length
            guard end <= bytes.count else { throw .truncated("ENVCHANGE") }
            let kind = try u8("ENVCHANGE type")
            let change: TDSEnvChange
            switch kind {
            case 1: change = .database(try bVarchar("database"))
            case 4: change = .packetSize(try bVarchar("packet size"))
            case 20:
                _ = try le16("routing length")
                let proto = try u8("routing protocol")
                guard proto == 0 else { throw .malformed("routing protocol \(proto)") }
                let port = try le16("routing port")
                let host = try usVarchar("routing server")
                change = .routing(host: host, port: port)
            default: change = .other(kind)
            }
            index = end
            return .envChange(change)
        case 0xFD, 0xFE, 0xFF:
            let status = try le16("DONE status")
            _ = try le16("DONE command")
            let count = try take(8, "DONE row count").reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return .done(status: UInt16(status), rowCount: count)
        case 0x79:
            _ = try take(4, "RETURNSTATUS")
            return try next()
        case 0xA9, 0xA4, 0xA5:
            _ = try take(try le16("token length"), "token")
            return try next()
        case 0xAE:
            while true {
                let feature = try u8("FEATUREEXTACK")
                if feature == 0xFF { break }
                _ = try take(Int(try le32("feature length")), "feature data")
            }
            return try next()
        case 0x81:
            let count = try le16("column count")
            columns = []
            if count == 0xFFFF { return .columns([]) }
            for _ in 0..<count {
                _ = try le32("user type")
                _ = try le16("column flags")
                let kind = try typeInfo()
                columns.append(TDSColumn(kind: kind, name: try bVarchar("column name")))
            }
            return .columns(columns)
        case 0xD1:
            var values: [String?] = []
            for column in columns { values.append(try value(column.kind)) }
            return .row(values)
        case 0xD2:
            let bitmap = try take((columns.count + 7) / 8, "NBCROW bitmap")
            var values: [String?] = []
            for (position, column) in columns.enumerated() {
                if bitmap[position / 8] & (1 << (position % 8)) != 0 {
                    values.append(nil)
                } else {
                    values.append(try value(column.kind))
                }
            }
            return .row(values)
        default:
            throw .malformed(String(format: "unknown token 0x%02X", type))
        }
    }

    private mutating func typeInfo() throws(TDSDecodeError) -> TDSColumn.Kind {
        let type = try u8("type")
        switch type {
        case 0x1F: return .fixed(type: type, length: 0)
        case 0x30, 0x32: return .fixed(type: type, length: 1)
        case 0x34: return .fixed(type: type, length: 2)
        case 0x38, 0x3A, 0x3B, 0x7A: return .fixed(type: type, length: 4)
        case 0x3C, 0x3D, 0x3E, 0x7F: return .fixed(type: type, length: 8)
        case 0x26, 0x68, 0x6D, 0x6E, 0x6F, 0x24:
            _ = try u8("type length")
            return .byteLength(type: type)
        case 0x6A, 0x6C:
            _ = try take(3, "decimal type info")
            return .byteLength(type: type)
        case 0xA7, 0xAF, 0xE7, 0xEF:
            let max = try le16("max length")
            guard max != 0xFFFF else { throw .malformed("a (max) column, which a ping never asks for") }
            _ = try take(5, "collation")
            return .shortLength(type: type)
        case 0xA5, 0xAD:
            _ = try le16("max length")
            return .shortLength(type: type)
        default:
            throw .malformed(String(format: "column type 0x%02X, which a ping never asks for", type))
        }
    }

    private mutating func value(_ kind: TDSColumn.Kind) throws(TDSDecodeError) -> String? {
        switch kind {
        case .fixed(let type, let length):
            return Self.text(type: type, try take(length, "value"))
        case .byteLength(let type):
            let length = Int(try u8("value length"))
            return length == 0 ? nil : Self.text(type: type, try take(length, "value"))
        case .shortLength(let type):
            let length = try le16("value length")
            return length == 0xFFFF ? nil : Self.text(type: type, try take(length, "value"))
        }
    }

    /// A value as text: integers little-endian signed, bit as 0/1, NVARCHAR/NCHAR as UTF-16LE, other
    /// strings as UTF-8, anything else in hex.
    static func text(type: UInt8, _ bytes: [UInt8]) -> String? {
        switch type {
        case 0x1F: return nil
        case 0x32, 0x68: return bytes.contains { $0 != 0 } ? "1" : "0"
        case 0x30 where bytes.count == 1: return String(bytes[0])
        case 0x30, 0x34, 0x38, 0x7F, 0x26:
            var value: UInt64 = 0
            for (shift, byte) in bytes.enumerated() { value |= UInt64(byte) << (8 * UInt64(shift)) }
            if bytes.count == 1 { return String(bytes[0]) }
            let bits = bytes.count * 8
            let signed =
                bits < 64 && value & (1 << UInt64(bits - 1)) != 0
                ? Int64(bitPattern: value) - (1 << Int64(bits)) : Int64(bitPattern: value)
            return String(signed)
        case 0xE7, 0xEF: return utf16(bytes)
        case 0xA7, 0xAF: return String(decoding: bytes, as: UTF8.self)
        default: return bytes.map { String($0, radix: 16) }.joined()
        }
    }
}
