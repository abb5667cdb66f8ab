import PreflightOracle

/// The server's side of the TTC messages a login needs, encoded as an Oracle database sends them (for
/// the scripted server; python-oracledb reads them first, `ScriptedLoginCheckedByOracledbTests`).
enum ScriptedOracleMessages {
    /// Compile-time capabilities of a server speaking `fieldVersion` (55 bytes, as 19c and later send).
    static func compileCapabilities(fieldVersion: UInt8) -> [UInt8] {
        var caps = [UInt8](repeating: 0, count: 55)
        caps[0] = 6
        caps[4] = 8 | 2 | 32 | 64 | 0x80
        caps[7] = fieldVersion
        caps[15] = 0x20 | 0x01 | 0x08
        caps[17] = 3
        caps[18] = 7
        caps[19] = 3
        caps[21] = 1
        caps[27] = 1
        return caps
    }

    /// The answer to protocol negotiation: version 6, the banner, AL32UTF8, an FDO naming AL16UTF16 as
    /// the national character set, the capabilities.
    static func protocolAnswer(fieldVersion: UInt8, banner: String = "x86_64/Linux 2.4.xx") -> [UInt8] {
        var writer = TTCWriter()
        writer.uint8(TTCMessageType.protocolNegotiation)
        writer.uint8(6)
        writer.uint8(0)
        writer.raw(Array(banner.utf8) + [0])
        writer.uint16LE(873)
        writer.uint8(1)  // server flags
        writer.uint16LE(0)  // no elements
        let fdo: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07, 0xD0]
        writer.uint16BE(UInt16(fdo.count))
        writer.raw(fdo)
        writer.bytesWithLength(compileCapabilities(fieldVersion: fieldVersion))
        writer.bytesWithLength([2, 0, 0, 0, 0, 0, 0x05, 0, 0, 0, 0])
        return writer.bytes
    }

    /// The answer to the data types: each type the client sent, with its conversion.
    static func dataTypesAnswer(_ types: [(UInt16, UInt16)]) -> [UInt8] {
        var writer = TTCWriter()
        writer.uint8(TTCMessageType.dataTypes)
        for (type, converted) in types.prefix(64) {
            writer.uint16BE(type)
            writer.uint16BE(converted)
            if converted != 0 { writer.raw([0, 1, 0, 0]) }
        }
        writer.uint16BE(0)
        return writer.bytes
    }

    /// A PARAMETER message of key-values (`AUTH_VFR_DATA` carries the verifier type as its flags).
    static func parameters(_ pairs: [(String, String)], verifierType: UInt32 = 0) -> [UInt8] {
        var writer = TTCWriter()
        writer.uint8(TTCMessageType.parameter)
        writer.ub2(UInt16(pairs.count))
        for (key, value) in pairs {
            writer.bytesWithTwoLengths(Array(key.utf8))
            writer.bytesWithTwoLengths(Array(value.utf8))
            writer.ub4(key == "AUTH_VFR_DATA" ? verifierType : 0)
        }
        return writer.bytes
    }

    /// Message 4: the end of a call (`code` 0) or an error with its text, laid out for `fieldVersion`.
    static func error(
        code: UInt32, message: String? = nil, fieldVersion: UInt8, cursor: UInt16 = 0, rowCount: UInt64 = 0
    ) -> [UInt8] {
        var writer = TTCWriter()
        writer.uint8(TTCMessageType.error)
        writer.ub4(0)  // call status
        writer.ub2(0)  // end-to-end sequence
        writer.ub4(0)  // current row
        writer.ub2(UInt16(clamping: code))
        writer.ub2(0)
        writer.ub2(0)
        writer.ub2(cursor)
        writer.ub2(0)  // position
        writer.raw([0, 0, 0, 0, 0, 0])
        writer.ub4(0)  // rowid
        writer.ub2(0)
        writer.uint8(0)
        writer.ub4(0)
        writer.ub2(0)
        writer.ub4(0)  // OS error
        writer.raw([0, 0])
        writer.ub2(0)
        writer.ub4(0)
        writer.ub4(0)  // logical rowid
        writer.ub2(0)  // batch errors
        writer.ub4(0)
        writer.ub2(0)
        writer.ub4(code)
        writer.ub(rowCount)
        if fieldVersion >= TTCFieldVersion.v20_1 {
            writer.ub4(0)
            writer.ub4(0)
        }
        if code != 0 { writer.bytesWithLength(Array((message ?? "").utf8)) }
        return writer.bytes
    }

    /// Message 15: a warning with its text.
    static func warning(code: UInt16, _ text: String) -> [UInt8] {
        var writer = TTCWriter()
        writer.uint8(TTCMessageType.warning)
        writer.ub2(code)
        writer.ub2(UInt16(text.utf8.count))
        writer.ub2(0)
        writer.bytesWithLength(Array(text.utf8))
        return writer.bytes
    }

    /// Message 9: the call's status.
    static func status() -> [UInt8] {
        var writer = TTCWriter()
        writer.uint8(TTCMessageType.status)
        writer.ub4(0)
        writer.ub2(0)
        return writer.bytes
    }
}

extension ScriptedOracleMessages {
    /// Describe information for text columns (VARCHAR2, 128 bytes each), laid out for `fieldVersion`.
    static func describe(_ names: [String], fieldVersion: UInt8) -> [UInt8] {
        var writer = TTCWriter()
        writer.uint8(TTCMessageType.describeInfo)
        writer.uint8(0)  // no leading bytes
        writer.ub4(UInt32(128 * names.count))
        writer.ub4(UInt32(names.count))
        if !names.isEmpty { writer.uint8(0) }
        for (index, name) in names.enumerated() {
            writer.uint8(1)  // VARCHAR2
            writer.raw([0, 0, 0])  // flags, precision, scale
            writer.ub4(128)  // buffer size
            writer.ub4(0)
            writer.ub(0)
            writer.ub4(0)  // no type OID
            writer.ub2(0)
            writer.ub2(873)
            writer.uint8(1)  // implicit character set form
            writer.ub4(128)
            if fieldVersion >= TTCFieldVersion.v12_2 { writer.ub4(0) }
            writer.uint8(1)  // nulls allowed
            writer.uint8(UInt8(clamping: name.utf8.count))
            writer.bytesWithTwoLengths(Array(name.utf8))
            writer.ub4(0)  // schema
            writer.ub4(0)  // type name
            writer.ub2(UInt16(index + 1))
            writer.ub4(0)
            if fieldVersion >= TTCFieldVersion.v23_1 {
                writer.ub4(0)
                writer.ub4(0)
            }
            if fieldVersion >= TTCFieldVersion.v23_1Ext3 { writer.ub4(0) }
            if fieldVersion >= TTCFieldVersion.v23_4 {
                writer.ub4(0)
                writer.uint8(0)
                writer.uint8(0)
            }
        }
        writer.ub4(0)  // current date
        for _ in 0..<4 { writer.ub4(0) }
        writer.ub4(0)
        return writer.bytes
    }

    /// A row header and the row's values (nil is NULL).
    static func row(_ values: [String?]) -> [UInt8] {
        var writer = TTCWriter()
        writer.uint8(TTCMessageType.rowHeader)
        writer.uint8(0)
        writer.ub2(0)
        writer.ub4(0)
        writer.ub4(1)
        writer.ub2(0)
        writer.ub4(0)  // no bit vector
        writer.ub4(0)
        writer.uint8(TTCMessageType.rowData)
        for value in values {
            if let value { writer.bytesWithLength(Array(value.utf8)) } else { writer.uint8(0) }
        }
        return writer.bytes
    }

    /// The end of a query's call: 1403 when its rows are all sent, 0 when more follow, or an error.
    static func queryEnd(code: UInt32, message: String? = nil, cursor: UInt16, rows: Int, fieldVersion: UInt8)
        -> [UInt8]
    {
        error(code: code, message: message, fieldVersion: fieldVersion, cursor: cursor, rowCount: UInt64(rows))
    }
}
