/// The requests a ping sends. Pure.
public enum CQLRequest {
    /// OPTIONS: asks what the server supports (answered by SUPPORTED).
    public static func options(stream: Int16) -> CQLFrame {
        CQLFrame(stream: stream, opcode: .options, body: [])
    }

    /// STARTUP with the CQL version (no compression).
    public static func startup(stream: Int16, cqlVersion: String = "3.0.0") -> CQLFrame {
        CQLFrame(stream: stream, opcode: .startup, body: CQLWriter.stringMap(["CQL_VERSION": cqlVersion]))
    }

    /// AUTH_RESPONSE carrying `token`.
    public static func authResponse(stream: Int16, token: [UInt8]) -> CQLFrame {
        CQLFrame(stream: stream, opcode: .authResponse, body: CQLWriter.bytes(token))
    }

    /// QUERY at `consistency` (LOCAL_ONE by default) with positional text values.
    public static func query(
        stream: Int16, _ text: String, values: [String] = [], consistency: CQLConsistency = .localOne
    ) -> CQLFrame {
        var body = CQLWriter.longString(text) + CQLWriter.short(consistency.rawValue)
        if values.isEmpty {
            body.append(0)
        } else {
            body.append(0x01)
            body += CQLWriter.short(UInt16(values.count))
            for value in values { body += CQLWriter.bytes(Array(value.utf8)) }
        }
        return CQLFrame(stream: stream, opcode: .query, body: body)
    }
}

/// Consistency levels a ping reads at.
public enum CQLConsistency: UInt16, Sendable {
    case one = 0x0001
    case localQuorum = 0x0006
    case localOne = 0x000A
}

/// A server's ERROR: its code, its message, nothing else of the body.
public struct CQLServerError: Error, Sendable, Equatable {
    public var code: Int32
    public var message: String

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    /// The code as the protocol spec writes it (0x0100).
    public var hexCode: String {
        let digits = String(UInt32(bitPattern: code), radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// The spec's name for the code.
    public var name: String {
        switch code {
        case 0x0000: "Server error"
        case 0x000A: "Protocol error"
        case 0x0100: "Bad credentials"
        case 0x1000: "Unavailable"
        case 0x1001: "Overloaded"
        case 0x1002: "Is bootstrapping"
        case 0x1003: "Truncate error"
        case 0x1100: "Write timeout"
        case 0x1200: "Read timeout"
        case 0x1300: "Read failure"
        case 0x1400: "Function failure"
        case 0x1500: "Write failure"
        case 0x2000: "Syntax error"
        case 0x2100: "Unauthorized"
        case 0x2200: "Invalid"
        case 0x2300: "Config error"
        case 0x2400: "Already exists"
        case 0x2500: "Unprepared"
        default: "Error"
        }
    }
}

/// A column's type, as far as a ping needs to read it.
public indirect enum CQLType: Sendable, Equatable {
    case custom(String)
    case ascii, bigint, blob, boolean, counter, decimal, double, float, int, timestamp, uuid, varchar, varint
    case timeuuid, inet, date, time, smallint, tinyint, duration
    case list(CQLType)
    case set(CQLType)
    case map(CQLType, CQLType)
    case udt(keyspace: String, name: String, fields: [(String, CQLType)])
    case tuple([CQLType])

    public static func == (lhs: CQLType, rhs: CQLType) -> Bool { "\(lhs)" == "\(rhs)" }

    /// The type's [option] encoding.
    public func encoded() -> [UInt8] {
        switch self {
        case .custom(let name): CQLWriter.short(0) + CQLWriter.string(name)
        case .ascii: CQLWriter.short(0x01)
        case .bigint: CQLWriter.short(0x02)
        case .blob: CQLWriter.short(0x03)
        case .boolean: CQLWriter.short(0x04)
        case .counter: CQLWriter.short(0x05)
        case .decimal: CQLWriter.short(0x06)
        case .double: CQLWriter.short(0x07)
        case .float: CQLWriter.short(0x08)
        case .int: CQLWriter.short(0x09)
        case .timestamp: CQLWriter.short(0x0B)
        case .uuid: CQLWriter.short(0x0C)
        case .varchar: CQLWriter.short(0x0D)
        case .varint: CQLWriter.short(0x0E)
        case .timeuuid: CQLWriter.short(0x0F)
        case .inet: CQLWriter.short(0x10)
        case .date: CQLWriter.short(0x11)
        case .time: CQLWriter.short(0x12)
        case .smallint: CQLWriter.short(0x13)
        case .tinyint: CQLWriter.short(0x14)
        case .duration: CQLWriter.short(0x15)
        case .list(let element): CQLWriter.short(0x20) + element.encoded()
        case .map(let key, let value): CQLWriter.short(0x21) + key.encoded() + value.encoded()
        case .set(let element): CQLWriter.short(0x22) + element.encoded()
        case .udt(let keyspace, let name, let fields):
            fields.reduce(
                CQLWriter.short(0x30) + CQLWriter.string(keyspace) + CQLWriter.string(name)
                    + CQLWriter.short(UInt16(fields.count))
            ) { $0 + CQLWriter.string($1.0) + $1.1.encoded() }
        case .tuple(let types):
            types.reduce(CQLWriter.short(0x31) + CQLWriter.short(UInt16(types.count))) { $0 + $1.encoded() }
        }
    }

    /// Reads an [option]; nesting deeper than 8 is refused.
    static func read(_ reader: inout CQLReader, depth: Int = 0) throws(CQLFrameError) -> CQLType {
        guard depth < 8 else { throw .malformed("types nested too deeply") }
        let id = try reader.short()
        switch id {
        case 0x0000: return .custom(try reader.string())
        case 0x0001: return .ascii
        case 0x0002: return .bigint
        case 0x0003: return .blob
        case 0x0004: return .boolean
        case 0x0005: return .counter
        case 0x0006: return .decimal
        case 0x0007: return .double
        case 0x0008: return .float
        case 0x0009: return .int
        case 0x000B: return .timestamp
        case 0x000C: return .uuid
        case 0x000D: return .varchar
        case 0x000E: return .varint
        case 0x000F: return .timeuuid
        case 0x0010: return .inet
        case 0x0011: return .date
        case 0x0012: return .time
        case 0x0013: return .smallint
        case 0x0014: return .tinyint
        case 0x0015: return .duration
        case 0x0020: return .list(try read(&reader, depth: depth + 1))
        case 0x0021:
            let key = try read(&reader, depth: depth + 1)
            return .map(key, try read(&reader, depth: depth + 1))
        case 0x0022: return .set(try read(&reader, depth: depth + 1))
        case 0x0030:
            let keyspace = try reader.string()
            let name = try reader.string()
            let count = Int(try reader.short())
            var fields: [(String, CQLType)] = []
            for _ in 0..<count {
                let field = try reader.string()
                fields.append((field, try read(&reader, depth: depth + 1)))
            }
            return .udt(keyspace: keyspace, name: name, fields: fields)
        case 0x0031:
            let count = Int(try reader.short())
            var types: [CQLType] = []
            for _ in 0..<count { types.append(try read(&reader, depth: depth + 1)) }
            return .tuple(types)
        default:
            throw .malformed("unknown column type 0x\(String(id, radix: 16))")
        }
    }
}

/// A decoded cell: the types a ping reads; the rest are kept as bytes.
public indirect enum CQLValue: Sendable, Equatable {
    case null
    case text(String)
    case int(Int64)
    case boolean(Bool)
    case uuid([UInt8])
    case inet([UInt8])
    case list([CQLValue])
    case map([(CQLValue, CQLValue)])
    case bytes([UInt8])

    public static func == (lhs: CQLValue, rhs: CQLValue) -> Bool { "\(lhs)" == "\(rhs)" }

    /// The text of a text cell.
    public var text: String? {
        if case .text(let text) = self { return text }
        return nil
    }

    /// A map cell keyed by text (other keys are dropped).
    public var textMap: [String: CQLValue]? {
        guard case .map(let pairs) = self else { return nil }
        var out: [String: CQLValue] = [:]
        for (key, value) in pairs { if let key = key.text { out[key] = value } }
        return out
    }

    /// Decodes a cell's bytes as `type`.
    static func decode(_ bytes: [UInt8]?, as type: CQLType, depth: Int = 0) throws(CQLFrameError) -> CQLValue {
        guard let bytes else { return .null }
        guard depth < 8 else { throw .malformed("values nested too deeply") }
        switch type {
        case .ascii, .varchar: return .text(String(decoding: bytes, as: UTF8.self))
        case .boolean: return .boolean(bytes.first.map { $0 != 0 } ?? false)
        case .int, .bigint, .counter, .smallint, .tinyint, .timestamp:
            guard [1, 2, 4, 8].contains(bytes.count) else { throw .malformed("an integer of \(bytes.count) bytes") }
            let unsigned = bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let shift = UInt64(64 - bytes.count * 8)
            return .int(Int64(bitPattern: unsigned << shift) >> Int64(shift))
        case .uuid, .timeuuid:
            guard bytes.count == 16 else { throw .malformed("a uuid of \(bytes.count) bytes") }
            return .uuid(bytes)
        case .inet:
            guard bytes.count == 4 || bytes.count == 16 else { throw .malformed("an inet of \(bytes.count) bytes") }
            return .inet(bytes)
        case .list(let element), .set(let element):
            var reader = CQLReader(bytes)
            let count = try reader.int()
            guard count >= 0, Int(count) <= reader.remaining / 4 else { throw .malformed("a collection of \(count)") }
            var items: [CQLValue] = []
            for _ in 0..<count { items.append(try decode(try reader.bytesValue(), as: element, depth: depth + 1)) }
            return .list(items)
        case .map(let keyType, let valueType):
            var reader = CQLReader(bytes)
            let count = try reader.int()
            guard count >= 0, Int(count) <= reader.remaining / 8 else { throw .malformed("a map of \(count)") }
            var pairs: [(CQLValue, CQLValue)] = []
            for _ in 0..<count {
                let key = try decode(try reader.bytesValue(), as: keyType, depth: depth + 1)
                pairs.append((key, try decode(try reader.bytesValue(), as: valueType, depth: depth + 1)))
            }
            return .map(pairs)
        default:
            return .bytes(bytes)
        }
    }
}

/// A ROWS result: column names and types, and the rows' decoded cells.
public struct CQLRows: Sendable, Equatable {
    public var columns: [(name: String, type: CQLType)]
    public var rows: [[CQLValue]]

    public init(columns: [(name: String, type: CQLType)], rows: [[CQLValue]]) {
        self.columns = columns
        self.rows = rows
    }

    public static func == (lhs: CQLRows, rhs: CQLRows) -> Bool {
        lhs.columns.map(\.name) == rhs.columns.map(\.name) && lhs.columns.map(\.type) == rhs.columns.map(\.type)
            && lhs.rows == rhs.rows
    }

    /// The cell of `column` in row `row`, nil when there is no such column or row.
    public func value(_ column: String, row: Int = 0) -> CQLValue? {
        guard let index = columns.firstIndex(where: { $0.name == column }), row < rows.count else { return nil }
        return rows[row][index]
    }

    /// The body of a RESULT frame carrying these rows (global table spec `keyspace.table`); the peer's side.
    public func encoded(keyspace: String, table: String, cells: [[[UInt8]?]]) -> [UInt8] {
        var body = CQLWriter.int(0x0002) + CQLWriter.int(0x0001) + CQLWriter.int(Int32(columns.count))
        body += CQLWriter.string(keyspace) + CQLWriter.string(table)
        for column in columns { body += CQLWriter.string(column.name) + column.type.encoded() }
        body += CQLWriter.int(Int32(cells.count))
        for row in cells { for cell in row { body += CQLWriter.bytes(cell) } }
        return body
    }
}

/// A server's answer, decoded.
public enum CQLResponse: Sendable, Equatable {
    case ready
    case authenticate(authenticator: String)
    case supported([String: [String]])
    case authChallenge([UInt8]?)
    case authSuccess([UInt8]?)
    case error(CQLServerError)
    case rows(CQLRows)
    /// A RESULT of another kind (void, set keyspace, schema change...).
    case result(kind: Int32)
    case event

    /// Decodes a response frame's body (after the tracing id, warnings and custom payload, which are skipped).
    public static func decode(_ frame: CQLFrame) throws(CQLFrameError) -> (response: CQLResponse, warnings: [String]) {
        var reader = CQLReader(frame.body)
        if frame.flags.contains(.tracing) { _ = try reader.take(16) }
        var warnings: [String] = []
        if frame.flags.contains(.warning) { warnings = try reader.stringList() }
        if frame.flags.contains(.customPayload) { try reader.skipBytesMap() }
        let response: CQLResponse
        switch frame.opcode {
        case .ready: response = .ready
        case .authenticate: response = .authenticate(authenticator: try reader.string())
        case .supported: response = .supported(try reader.stringMultimap())
        case .authChallenge: response = .authChallenge(try reader.bytesValue())
        case .authSuccess: response = .authSuccess(reader.remaining >= 4 ? try reader.bytesValue() : nil)
        case .error:
            let code = try reader.int()
            response = .error(CQLServerError(code: code, message: try reader.string()))
        case .result:
            let kind = try reader.int()
            response = kind == 0x0002 ? .rows(try readRows(&reader)) : .result(kind: kind)
        case .event: response = .event
        default:
            throw .malformed("opcode \(frame.opcode) is not a response")
        }
        return (response, warnings)
    }

    static func readRows(_ reader: inout CQLReader) throws(CQLFrameError) -> CQLRows {
        let flags = try reader.int()
        let count = try reader.int()
        guard count >= 0, count <= 1024 else { throw .malformed("\(count) columns") }
        if flags & 0x0002 != 0 { _ = try reader.bytesValue() }
        var columns: [(name: String, type: CQLType)] = []
        if flags & 0x0004 == 0 {
            let global = flags & 0x0001 != 0
            if global {
                _ = try reader.string()
                _ = try reader.string()
            }
            for _ in 0..<count {
                if !global {
                    _ = try reader.string()
                    _ = try reader.string()
                }
                let name = try reader.string()
                columns.append((name, try CQLType.read(&reader)))
            }
        }
        let rowCount = try reader.int()
        guard rowCount >= 0, count == 0 || Int(rowCount) <= reader.remaining / (4 * Int(count)) else {
            throw .malformed("\(rowCount) rows")
        }
        var rows: [[CQLValue]] = []
        for _ in 0..<rowCount {
            var row: [CQLValue] = []
            for index in 0..<Int(count) {
                let cell = try reader.bytesValue()
                row.append(index < columns.count ? try CQLValue.decode(cell, as: columns[index].type) : .null)
            }
            rows.append(row)
        }
        return CQLRows(columns: columns, rows: rows)
    }
}
