/// The LOGIN7 message with SQL Server authentication (MS-TDS 2.2.6.4), for TDS 7.4.
struct TDSLogin7: Sendable {
    var hostName: String
    var userName: String
    var password: String
    var appName: String = "Preflight"
    /// The server name as the client dialled it (Azure's gateway routes on it).
    var serverName: String
    var database: String
    var packetSize: UInt32 = UInt32(TDSFraming.defaultPacketSize)
    var clientPID: UInt32 = 0

    /// TDS 7.4.
    static let tdsVersion: UInt32 = 0x7400_0004
    /// fUseDB, fDatabase (a failure to open the database is fatal: error 4060), fSetLang.
    static let optionFlags1: UInt8 = 0xE0
    /// fLanguage fatal, fODBC.
    static let optionFlags2: UInt8 = 0x03
    static let fixedLength = 94

    /// UTF-16LE, as every LOGIN7 string.
    static func ucs2(_ text: String) -> [UInt8] {
        text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }

    /// The password as LOGIN7 carries it: each byte of its UTF-16LE form with its nibbles swapped, then XOR 0xA5.
    static func obfuscate(_ password: String) -> [UInt8] {
        ucs2(password).map { (($0 << 4) | ($0 >> 4)) ^ 0xA5 }
    }

    /// The inverse of `obfuscate` (for the scripted peer and the tests).
    static func deobfuscate(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { byte in
            let x = byte ^ 0xA5
            return (x << 4) | (x >> 4)
        }
    }

    func encode() -> [UInt8] {
        func le32(_ value: UInt32) -> [UInt8] {
            [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
        }
        func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)] }
        // In the order of the offset table; each (bytes, length in characters).
        let fields: [[UInt8]] = [
            Self.ucs2(hostName), Self.ucs2(userName), Self.obfuscate(password), Self.ucs2(appName),
            Self.ucs2(serverName), [], Self.ucs2("Preflight"), [], Self.ucs2(database),
        ]
        var offsets: [UInt8] = []
        var data: [UInt8] = []
        var offset = Self.fixedLength
        for (index, field) in fields.enumerated() {
            offsets += le16(offset) + le16(field.count / 2)
            data += field
            offset += field.count
            if index == 8 {
                // ClientID (6 bytes), then SSPI, AtchDBFile and ChangePassword (offset, length), then cbSSPILong.
                offsets += [0, 0, 0, 0, 0, 0]
                for _ in 0..<3 { offsets += le16(offset) + le16(0) }
                offsets += le32(0)
            }
        }
        let total = UInt32(Self.fixedLength + data.count)
        var out = le32(total) + le32(Self.tdsVersion) + le32(packetSize) + le32(0x0700_0000) + le32(clientPID)
        out += le32(0)
        out += [Self.optionFlags1, Self.optionFlags2, 0, 0]
        out += le32(0) + le32(0x0409)
        out += offsets
        return out + data
    }
}

/// A parsed LOGIN7 (what the scripted peer reads): the fields it checks.
struct TDSLogin7Fields: Sendable, Equatable {
    var tdsVersion: UInt32
    var hostName: String
    var userName: String
    /// The password de-obfuscated (UTF-16LE decoded).
    var password: String
    var appName: String
    var serverName: String
    var database: String

    static func parse(_ payload: [UInt8]) throws(TDSDecodeError) -> TDSLogin7Fields {
        guard payload.count >= TDSLogin7.fixedLength else { throw .truncated("LOGIN7") }
        func le32(_ at: Int) -> UInt32 {
            UInt32(payload[at]) | UInt32(payload[at + 1]) << 8 | UInt32(payload[at + 2]) << 16 | UInt32(payload[at + 3])
                << 24
        }
        let length = Int(le32(0))
        guard length == payload.count else { throw .malformed("LOGIN7 length \(length), message \(payload.count)") }
        func field(_ index: Int) throws(TDSDecodeError) -> [UInt8] {
            let at = 36 + index * 4
            let offset = Int(payload[at]) | Int(payload[at + 1]) << 8
            let count = (Int(payload[at + 2]) | Int(payload[at + 3]) << 8) * 2
            guard count == 0 || (offset >= TDSLogin7.fixedLength && offset + count <= payload.count) else {
                throw .malformed("LOGIN7 field \(index) outside the message")
            }
            return count == 0 ? [] : Array(payload[offset..<offset + count])
        }
        func text(_ bytes: [UInt8]) -> String {
            String(
                decoding: stride(from: 0, to: bytes.count - 1, by: 2).map {
                    UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8
                }, as: UTF16.self)
        }
        return TDSLogin7Fields(
            tdsVersion: le32(4), hostName: text(try field(0)), userName: text(try field(1)),
            password: text(TDSLogin7.deobfuscate(try field(2))), appName: text(try field(3)),
            serverName: text(try field(4)), database: text(try field(8)))
    }
}

/// SQL_BATCH (MS-TDS 2.2.6.7): ALL_HEADERS with the transaction descriptor (auto-commit), then the text in UTF-16LE.
enum TDSSQLBatch {
    static func encode(_ sql: String) -> [UInt8] {
        let headers: [UInt8] = [
            22, 0, 0, 0,  // ALL_HEADERS total length
            18, 0, 0, 0,  // this header's length
            2, 0,  // transaction descriptor
            0, 0, 0, 0, 0, 0, 0, 0,  // no transaction
            1, 0, 0, 0,  // one outstanding request
        ]
        return headers + TDSLogin7.ucs2(sql)
    }

    /// The SQL text of a batch (for the scripted peer).
    static func text(of payload: [UInt8]) -> String? {
        guard payload.count >= 4 else { return nil }
        let skip = Int(payload[0]) | Int(payload[1]) << 8 | Int(payload[2]) << 16 | Int(payload[3]) << 24
        guard skip <= payload.count, skip >= 4 else { return nil }
        let body = Array(payload[skip...])
        return String(
            decoding: stride(from: 0, to: body.count - 1, by: 2).map { UInt16(body[$0]) | UInt16(body[$0 + 1]) << 8 },
            as: UTF16.self)
    }
}
