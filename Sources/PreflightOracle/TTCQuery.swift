/// A column of a query's answer, as its describe information names it.
public struct TTCColumn: Sendable, Equatable {
    public var name: String
    /// Oracle's type number (1 VARCHAR2, 2 NUMBER, 96 CHAR, ...).
    public var type: UInt8
    /// 0: the column is NULL in every row and no value is sent.
    public var bufferSize: UInt32

    public init(name: String, type: UInt8, bufferSize: UInt32) {
        self.name = name
        self.type = type
        self.bufferSize = bufferSize
    }
}

/// What one answer to an execute or fetch carried.
public struct TTCQueryResponse: Sendable, Equatable {
    public var columns: [TTCColumn]
    /// Each row's values as text (NULL is nil); a column of another type than text is its bytes as
    /// UTF-8, which the readiness queries never meet.
    public var rows: [[String?]] = []
    /// The call's end: code 0 (more rows may follow a FETCH), 1403 (no more rows) or an error.
    public var end: TTCServerError?
    public var warning: TTCServerError?

    /// Whether the query's rows are all read.
    public var finished: Bool { end.map { $0.code != 0 } ?? false }

    /// Reads one answer; `columns` are the query's (from an earlier answer) when this one continues
    /// it. Throws `.truncated` when the answer goes on in a packet not yet read.
    public static func decode(_ bytes: [UInt8], fieldVersion: UInt8, columns: [TTCColumn] = [])
        throws(TTCDecodeError) -> TTCQueryResponse
    {
        var reader = TTCReader(bytes)
        var response = TTCQueryResponse(columns: columns)
        var duplicates: [Bool]?
        var count = 0
        while true {
            let type = try reader.uint8()
            count += 1
            guard count <= 100_000 else { throw .malformed("more than 100000 messages in one answer") }
            switch type {
            case TTCMessageType.describeInfo:
                _ = try reader.bytesWithLength()
                response.columns = try readDescribe(&reader, fieldVersion: fieldVersion)
            case TTCMessageType.rowHeader:
                try reader.skip(1)
                _ = try reader.ub2()
                _ = try reader.ub4()
                _ = try reader.ub4()
                _ = try reader.ub2()
                let bits = Int(try reader.ub4())
                if bits > 0 {
                    try reader.skip(1)
                    duplicates = vector(try reader.raw(bits), columns: response.columns.count)
                }
                if try reader.ub4() > 0 { _ = try reader.bytesWithLength() }
            case TTCMessageType.bitVector:
                _ = try reader.ub2()
                let length = (response.columns.count + 7) / 8
                duplicates = vector(try reader.raw(length), columns: response.columns.count)
            case TTCMessageType.rowData:
                guard !response.columns.isEmpty else { throw .malformed("a row before its columns were described") }
                guard response.rows.count < 10_000 else { throw .malformed("more than 10000 rows") }
                var row: [String?] = []
                for (index, column) in response.columns.enumerated() {
                    if let duplicates, index < duplicates.count, duplicates[index], let previous = response.rows.last,
                        index < previous.count
                    {
                        row.append(previous[index])
                    } else if column.bufferSize == 0, column.type != 8, column.type != 24 {
                        row.append(nil)
                    } else {
                        row.append(
                            try reader.bytesWithLength(limit: 1 << 16).map { String(decoding: $0, as: UTF8.self) })
                    }
                }
                duplicates = nil
                response.rows.append(row)
            case TTCMessageType.parameter:
                let outputs = try reader.ub2()
                for _ in 0..<outputs { _ = try reader.ub4() }
                try reader.skip(Int(try reader.ub2()))
                let pairs = try reader.ub2()
                for _ in 0..<pairs {
                    if try reader.ub2() > 0 { _ = try reader.bytesWithLength() }
                    if try reader.ub2() > 0 { _ = try reader.bytesWithLength() }
                    _ = try reader.ub2()
                }
                try reader.skip(Int(try reader.ub2()))
            case TTCMessageType.error:
                response.end = try TTCResponse.readError(&reader, fieldVersion: fieldVersion)
                return response
            case TTCMessageType.status:
                _ = try reader.ub4()
                _ = try reader.ub2()
                response.end = TTCServerError(code: 0, message: nil)
                return response
            case TTCMessageType.warning:
                if let warning = try TTCResponse.readWarning(&reader) { response.warning = warning }
            case TTCMessageType.serverSidePiggyback:
                try TTCResponse.skipPiggyback(&reader)
            case TTCMessageType.endOfResponse:
                return response
            default:
                throw .malformed("a TTC message of type \(type) in a query's answer")
            }
        }
    }

    /// Bit i clear: column i repeats the previous row's value and is not sent.
    static func vector(_ bytes: [UInt8], columns: Int) -> [Bool] {
        (0..<columns).map { index in
            index / 8 < bytes.count ? bytes[index / 8] & (1 << (index % 8)) == 0 : false
        }
    }

    static func readDescribe(_ reader: inout TTCReader, fieldVersion: UInt8) throws(TTCDecodeError) -> [TTCColumn] {
        _ = try reader.ub4()  // largest row
        let count = Int(try reader.ub4())
        guard count <= 1000 else { throw .malformed("a query of \(count) columns") }
        if count > 0 { try reader.skip(1) }
        var columns: [TTCColumn] = []
        for _ in 0..<count {
            let type = try reader.uint8()
            try reader.skip(3)  // flags, precision, scale
            let bufferSize = try reader.ub4()
            _ = try reader.ub4()  // array elements
            _ = try reader.ub8()  // continuation flags
            if try reader.ub4() > 0 { _ = try reader.bytesWithLength() }  // type OID
            _ = try reader.ub2()  // version
            _ = try reader.ub2()  // character set
            try reader.skip(1)  // character set form
            _ = try reader.ub4()  // maximum size
            if fieldVersion >= TTCFieldVersion.v12_2 { _ = try reader.ub4() }
            try reader.skip(2)  // nulls allowed, v7 name length
            let name = try reader.stringWithLength() ?? ""
            _ = try reader.stringWithLength()  // schema
            _ = try reader.stringWithLength()  // type name
            _ = try reader.ub2()  // position
            _ = try reader.ub4()  // UDS flags
            columns.append(TTCColumn(name: name, type: type, bufferSize: bufferSize))
        }
        if try reader.ub4() > 0 { _ = try reader.bytesWithLength() }  // current date
        for _ in 0..<4 { _ = try reader.ub4() }
        if try reader.ub4() > 0 { _ = try reader.bytesWithLength() }
        return columns
    }
}

extension TTCRequests {
    /// EXECUTE (0x5E) of a query that is parsed, executed and fetched in one call (no binds), up to
    /// `prefetch` rows.
    public static func execute(sql: String, prefetch: UInt32, sequence: UInt8, fieldVersion: UInt8) -> [UInt8] {
        var writer = TTCWriter()
        functionHeader(TTCFunction.execute, sequence: sequence, fieldVersion: fieldVersion, into: &writer)
        let statement = Array(sql.utf8)
        writer.ub4(0x01 | 0x20 | 0x40 | 0x8000)  // parse, execute, fetch, not PL/SQL
        writer.ub4(0)  // cursor
        writer.uint8(1)
        writer.ub4(UInt32(statement.count))
        writer.uint8(1)
        writer.ub4(13)  // al8i4 entries
        writer.uint8(0)
        writer.uint8(0)
        writer.ub4(0)  // prefetch buffer size
        writer.ub4(prefetch)
        writer.ub4(0x7FFF_FFFF)  // longest LONG
        writer.uint8(0)  // no binds
        writer.ub4(0)
        for _ in 0..<5 { writer.uint8(0) }
        writer.uint8(0)  // no defines
        writer.ub4(0)
        writer.ub4(0)  // registration (low)
        writer.uint8(0)
        writer.uint8(1)
        writer.uint8(0)
        writer.ub4(0)
        writer.uint8(0)
        writer.ub4(0)
        writer.ub4(0)  // registration (high)
        writer.uint8(0)
        writer.ub4(0)
        writer.uint8(0)
        if fieldVersion >= TTCFieldVersion.v12_2 {
            writer.uint8(0)
            writer.ub4(0)
            writer.uint8(0)
            writer.ub4(0)
            writer.uint8(0)
            if fieldVersion >= TTCFieldVersion.v12_2 + 1 {
                writer.uint8(0)
                writer.ub4(0)
            }
        }
        writer.bytesWithLength(statement)
        let al8i4: [UInt32] = [1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]  // parse; a query
        for value in al8i4 { writer.ub4(value) }
        return writer.bytes
    }

    /// FETCH (0x05): the next `rows` rows of `cursor`.
    public static func fetch(cursor: UInt16, rows: UInt32, sequence: UInt8, fieldVersion: UInt8) -> [UInt8] {
        var writer = TTCWriter()
        functionHeader(TTCFunction.fetch, sequence: sequence, fieldVersion: fieldVersion, into: &writer)
        writer.ub4(UInt32(cursor))
        writer.ub4(rows)
        return writer.bytes
    }
}
