/// Bounds on what the decoder accepts, so that a hostile or foreign peer can never make it buffer
/// without limit: a length is checked the moment its header line is complete, before any body is awaited.
public struct RESPLimits: Sendable, Equatable {
    /// The longest bulk, verbatim or blob-error body (bytes).
    public var maxBulkLength: Int
    /// The most elements in one array, set or push, or entries in one map.
    public var maxAggregateCount: Int
    /// The deepest nesting of aggregates (a top-level scalar has depth 0).
    public var maxDepth: Int
    /// The longest header or simple line (without its CRLF).
    public var maxLineLength: Int

    public init(
        maxBulkLength: Int = 256 << 10, maxAggregateCount: Int = 4096, maxDepth: Int = 8, maxLineLength: Int = 8192
    ) {
        self.maxBulkLength = maxBulkLength
        self.maxAggregateCount = maxAggregateCount
        self.maxDepth = maxDepth
        self.maxLineLength = maxLineLength
    }

    /// What a ping needs: a HELLO map, an INFO section, short status replies.
    public static let ping = RESPLimits()
}

/// Why bytes are not RESP.
public enum RESPProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A value began with a byte that is no RESP type marker.
    case unknownType(UInt8)
    /// A header or simple line is not what its type requires (a length that is not a number, a bad boolean).
    case malformed(String)
    /// A line ran past `maxLineLength` without its CRLF.
    case lineTooLong(limit: Int)
    /// A bulk body announced longer than `maxBulkLength`.
    case bulkTooLarge(announced: Int64, limit: Int)
    /// An aggregate announced more than `maxAggregateCount` elements.
    case tooManyElements(announced: Int64, limit: Int)
    /// Aggregates nested deeper than `maxDepth`.
    case tooDeep(limit: Int)

    public var description: String {
        switch self {
        case .unknownType(let byte):
            let shown =
                byte >= 0x20 && byte < 0x7f ? "'\(Character(Unicode.Scalar(byte)))'" : "0x" + String(byte, radix: 16)
            return "a reply starting with \(shown), which is no RESP type"
        case .malformed(let what): return "a malformed \(what)"
        case .lineTooLong(let limit): return "a line longer than \(limit) bytes without CRLF"
        case .bulkTooLarge(let announced, let limit):
            return "a bulk string announced at \(announced) bytes (more than the \(limit) a ping accepts)"
        case .tooManyElements(let announced, let limit):
            return "an aggregate announced with \(announced) elements (more than the \(limit) a ping accepts)"
        case .tooDeep(let limit): return "aggregates nested deeper than \(limit) levels"
        }
    }
}

/// Decodes RESP2 and RESP3 from a byte buffer. Pure: give it the bytes received so far, it returns the
/// first complete value and where it ended, nil when more bytes are needed, or throws for bytes that
/// cannot be RESP (or exceed `RESPLimits`).
public enum RESPDecoder {
    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")
    private static let markers = Set("+-:,(#_$=!*~>%|".utf8)

    /// The first whole value in `bytes[start...]` and the index after it; nil when incomplete.
    /// RESP3 attributes (`|`) are read and dropped, returning the value they annotate.
    public static func decode(_ bytes: [UInt8], from start: Int = 0, limits: RESPLimits = .ping)
        throws(RESPProtocolError) -> (value: RESPValue, next: Int)?
    {
        try value(bytes, at: start, depth: 0, limits: limits)
    }

    private static func value(_ bytes: [UInt8], at index: Int, depth: Int, limits: RESPLimits) throws(RESPProtocolError)
        -> (value: RESPValue, next: Int)?
    {
        guard index < bytes.count else { return nil }
        let marker = bytes[index]
        guard markers.contains(marker) else { throw .unknownType(marker) }
        guard let (line, afterLine) = try self.line(bytes, at: index + 1, limits: limits) else { return nil }
        switch marker {
        case UInt8(ascii: "+"):
            return (.simpleString(text(line)), afterLine)
        case UInt8(ascii: "-"):
            return (.error(text(line)), afterLine)
        case UInt8(ascii: ":"):
            guard let number = Int64(text(line)) else { throw .malformed("integer") }
            return (.integer(number), afterLine)
        case UInt8(ascii: ","):
            let value = text(line)
            guard !value.isEmpty, value.utf8.allSatisfy({ isDoubleByte($0) }) else { throw .malformed("double") }
            return (.double(value), afterLine)
        case UInt8(ascii: "("):
            let value = text(line)
            let digits = value.hasPrefix("-") || value.hasPrefix("+") ? value.dropFirst() : Substring(value)
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw .malformed("big number")
            }
            return (.bigNumber(value), afterLine)
        case UInt8(ascii: "#"):
            switch text(line) {
            case "t": return (.boolean(true), afterLine)
            case "f": return (.boolean(false), afterLine)
            default: throw .malformed("boolean")
            }
        case UInt8(ascii: "_"):
            guard line.isEmpty else { throw .malformed("null") }
            return (.null, afterLine)
        case UInt8(ascii: "$"), UInt8(ascii: "="), UInt8(ascii: "!"):
            let length = try self.length(line, what: "bulk length", allowNull: marker == UInt8(ascii: "$"))
            guard length >= 0 else { return (.null, afterLine) }
            guard length <= limits.maxBulkLength else {
                throw .bulkTooLarge(announced: length, limit: limits.maxBulkLength)
            }
            let end = afterLine + Int(length)
            guard end + 2 <= bytes.count else { return nil }
            guard bytes[end] == cr, bytes[end + 1] == lf else {
                throw .malformed("bulk string (no CRLF after its \(length) bytes)")
            }
            let body = Array(bytes[afterLine..<end])
            switch marker {
            case UInt8(ascii: "$"): return (.bulkString(body), end + 2)
            case UInt8(ascii: "!"): return (.error(text(body)), end + 2)
            default:
                guard body.count >= 4, body[3] == UInt8(ascii: ":") else { throw .malformed("verbatim string") }
                return (.verbatim(format: text(Array(body[0..<3])), text: Array(body[4...])), end + 2)
            }
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "%"), UInt8(ascii: "|"):
            let count = try self.length(line, what: "aggregate length", allowNull: marker == UInt8(ascii: "*"))
            guard count >= 0 else { return (.null, afterLine) }
            guard count <= limits.maxAggregateCount else {
                throw .tooManyElements(announced: count, limit: limits.maxAggregateCount)
            }
            guard depth < limits.maxDepth else { throw .tooDeep(limit: limits.maxDepth) }
            let isPairs = marker == UInt8(ascii: "%") || marker == UInt8(ascii: "|")
            var items: [RESPValue] = []
            var next = afterLine
            for _ in 0..<(isPairs ? Int(count) * 2 : Int(count)) {
                guard let (item, after) = try value(bytes, at: next, depth: depth + 1, limits: limits) else {
                    return nil
                }
                items.append(item)
                next = after
            }
            switch marker {
            case UInt8(ascii: "*"): return (.array(items), next)
            case UInt8(ascii: "~"): return (.set(items), next)
            case UInt8(ascii: ">"): return (.push(items), next)
            case UInt8(ascii: "%"):
                return (
                    .map(
                        stride(from: 0, to: items.count, by: 2).map { RESPPair(key: items[$0], value: items[$0 + 1]) }),
                    next
                )
            default:
                // An attribute annotates the value that follows it; a ping has no use for it.
                return try value(bytes, at: next, depth: depth, limits: limits)
            }
        default:
            throw .unknownType(marker)
        }
    }

    /// The bytes from `index` up to the next CRLF, and the index after the CRLF; nil when no CRLF yet.
    private static func line(_ bytes: [UInt8], at index: Int, limits: RESPLimits) throws(RESPProtocolError) -> (
        [UInt8], Int
    )? {
        var position = index
        while position < bytes.count {
            if bytes[position] == lf {
                guard position > index, bytes[position - 1] == cr else { throw .malformed("line (LF without CR)") }
                return (Array(bytes[index..<(position - 1)]), position + 1)
            }
            if position - index >= limits.maxLineLength + 1 { throw .lineTooLong(limit: limits.maxLineLength) }
            position += 1
        }
        if bytes.count - index > limits.maxLineLength + 1 { throw .lineTooLong(limit: limits.maxLineLength) }
        return nil
    }

    private static func length(_ line: [UInt8], what: String, allowNull: Bool) throws(RESPProtocolError) -> Int64 {
        let value = text(line)
        if allowNull, value == "-1" { return -1 }
        guard !value.isEmpty, value.count <= 18, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let number = Int64(value)
        else {
            throw .malformed(what)
        }
        return number
    }

    private static func isDoubleByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") || byte == UInt8(ascii: "i")
            || byte == UInt8(ascii: "n")
            || byte == UInt8(ascii: "f") || byte == UInt8(ascii: "a")
    }

    private static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}

/// Encodes commands as RESP arrays of bulk strings (what every Redis client sends).
public enum RESPEncoder {
    /// `*n\r\n$len\r\narg\r\n...`
    public static func command(_ arguments: [String]) -> [UInt8] {
        var out = Array("*\(arguments.count)\r\n".utf8)
        for argument in arguments {
            let bytes = Array(argument.utf8)
            out += Array("$\(bytes.count)\r\n".utf8)
            out += bytes
            out += [0x0d, 0x0a]
        }
        return out
    }
}
