@testable import PreflightMSSQL

/// The server side of the token stream, written from MS-TDS 2.2.7 for the scripted peer and the tests
/// (the probe only reads tokens).
enum TDSServerTokens {
    static func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)] }
    static func le32(_ value: Int) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8((value >> 24) & 0xFF)]
    }
    static func ucs2(_ text: String) -> [UInt8] { TDSLogin7.ucs2(text) }
    static func bVarchar(_ text: String) -> [UInt8] { [UInt8(text.utf16.count)] + ucs2(text) }
    static func usVarchar(_ text: String) -> [UInt8] { le16(text.utf16.count) + ucs2(text) }

    static func loginAck(program: String = "Microsoft SQL Server", version: [UInt8] = [16, 0, 0x10, 0x27]) -> [UInt8] {
        let body: [UInt8] = [1] + [0x74, 0x00, 0x00, 0x04] + bVarchar(program) + version
        return [0xAD] + le16(body.count) + body
    }

    /// ERROR (0xAA) or INFO (0xAB).
    static func message(
        _ number: Int, state: UInt8 = 1, severity: UInt8 = 14, text: String, server: String = "scripted",
        info: Bool = false
    ) -> [UInt8] {
        let body = le32(number) + [state, severity] + usVarchar(text) + bVarchar(server) + bVarchar("") + le32(1)
        return [info ? 0xAB : 0xAA] + le16(body.count) + body
    }

    static func envChangeDatabase(_ new: String, old: String = "master") -> [UInt8] {
        let body: [UInt8] = [1] + bVarchar(new) + bVarchar(old)
        return [0xE3] + le16(body.count) + body
    }

    static func envChangeRouting(host: String, port: Int) -> [UInt8] {
        let value: [UInt8] = [0] + le16(port) + usVarchar(host)
        let body: [UInt8] = [20] + le16(value.count) + value + [0, 0]
        return [0xE3] + le16(body.count) + body
    }

    /// DONE with `status` (0x02 error, 0x10 count valid).
    static func done(status: Int = 0, rows: Int = 0) -> [UInt8] {
        [0xFD] + le16(status) + le16(0xC1) + le32(rows) + [0, 0, 0, 0]
    }

    enum Column {
        case int(String)
        case nvarchar(String)
    }

    /// COLMETADATA then one ROW per row (INTN(4) or NVARCHAR(256)); a nil value is NULL.
    static func resultSet(_ columns: [Column], rows: [[String?]]) -> [UInt8] {
        var out: [UInt8] = [0x81] + le16(columns.count)
        for column in columns {
            out += le32(0) + le16(0x0009)
            switch column {
            case .int(let name): out += [0x26, 4] + bVarchar(name)
            case .nvarchar(let name): out += [0xE7] + le16(512) + [0x09, 0x04, 0xD0, 0x00, 0x34] + bVarchar(name)
            }
        }
        for row in rows {
            out += [0xD1]
            for (column, value) in zip(columns, row) {
                switch column {
                case .int:
                    if let value, let number = Int32(value) {
                        out += [4] + le32(Int(UInt32(bitPattern: number)))
                    } else {
                        out += [0]
                    }
                case .nvarchar:
                    if let value { out += le16(value.utf16.count * 2) + ucs2(value) } else { out += [0xFF, 0xFF] }
                }
            }
        }
        return out + done(status: 0x10, rows: rows.count)
    }
}
