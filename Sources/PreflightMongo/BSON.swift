/// A BSON value: the types of the BSON 1.1 specification (bsonspec.org) that a ping can meet in a
/// server's replies, and the few it writes. Every type the specification defines can be decoded, so a
/// reply carrying an unusual one (a regular expression in a filter echo, a MinKey in a shard range) does
/// not fail the ping; deprecated types are kept as opaque values.
public enum BSONValue: Sendable, Equatable {
    /// 0x01: a 64-bit IEEE 754 float.
    case double(Double)
    /// 0x02: a UTF-8 string.
    case string(String)
    /// 0x03: an embedded document.
    case document(BSONDocument)
    /// 0x04: an array (encoded as a document with keys "0", "1", ...).
    case array([BSONValue])
    /// 0x05: binary data with its subtype (0 generic, 4 UUID, ...).
    case binary(subtype: UInt8, bytes: [UInt8])
    /// 0x06: undefined (deprecated).
    case undefined
    /// 0x07: a 12-byte ObjectId.
    case objectId([UInt8])
    /// 0x08: a boolean.
    case bool(Bool)
    /// 0x09: UTC milliseconds since the Unix epoch.
    case datetime(Int64)
    /// 0x0A: null.
    case null
    /// 0x0B: a regular expression (pattern, options).
    case regex(pattern: String, options: String)
    /// 0x0C: a DBPointer (deprecated): a namespace and an ObjectId.
    case dbPointer(namespace: String, id: [UInt8])
    /// 0x0D: JavaScript code.
    case javascript(String)
    /// 0x0E: a symbol (deprecated).
    case symbol(String)
    /// 0x0F: JavaScript code with a scope document (deprecated).
    case javascriptWithScope(code: String, scope: BSONDocument)
    /// 0x10: a 32-bit integer.
    case int32(Int32)
    /// 0x11: a MongoDB timestamp: seconds since the epoch and an ordinal within the second.
    case timestamp(seconds: UInt32, increment: UInt32)
    /// 0x12: a 64-bit integer.
    case int64(Int64)
    /// 0x13: a 128-bit decimal, kept as its 16 little-endian bytes.
    case decimal128([UInt8])
    /// 0xFF: MinKey.
    case minKey
    /// 0x7F: MaxKey.
    case maxKey

    /// The element type byte.
    public var typeByte: UInt8 {
        switch self {
        case .double: 0x01
        case .string: 0x02
        case .document: 0x03
        case .array: 0x04
        case .binary: 0x05
        case .undefined: 0x06
        case .objectId: 0x07
        case .bool: 0x08
        case .datetime: 0x09
        case .null: 0x0A
        case .regex: 0x0B
        case .dbPointer: 0x0C
        case .javascript: 0x0D
        case .symbol: 0x0E
        case .javascriptWithScope: 0x0F
        case .int32: 0x10
        case .timestamp: 0x11
        case .int64: 0x12
        case .decimal128: 0x13
        case .minKey: 0xFF
        case .maxKey: 0x7F
        }
    }

    // MARK: Reading values leniently (servers send 1, 1.0 or true for the same flag)

    /// The string, when this is one.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// An integer from an int32, int64, or a double holding a whole number.
    public var intValue: Int? {
        switch self {
        case .int32(let value): return Int(value)
        case .int64(let value): return Int(value)
        case .double(let value) where value.isFinite && value == value.rounded() && abs(value) < 9e15: return Int(value)
        default: return nil
        }
    }

    /// A number of any numeric type as a Double.
    public var doubleValue: Double? {
        switch self {
        case .int32(let value): return Double(value)
        case .int64(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// A boolean, or a number read as true when non-zero (`ok: 1.0`, `ismaster: true`).
    public var boolValue: Bool? {
        switch self {
        case .bool(let flag): return flag
        case .int32, .int64, .double: return doubleValue.map { $0 != 0 }
        default: return nil
        }
    }

    /// The embedded document, when this is one.
    public var documentValue: BSONDocument? {
        if case .document(let document) = self { return document }
        return nil
    }

    /// The array's elements, when this is an array.
    public var arrayValue: [BSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    /// The bytes of a binary value.
    public var binaryBytes: [UInt8]? {
        if case .binary(_, let bytes) = self { return bytes }
        return nil
    }
}

extension BSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    /// Integer literals become int32 when they fit, int64 otherwise.
    public init(integerLiteral value: Int) {
        self = Int32(exactly: value).map(BSONValue.int32) ?? .int64(Int64(value))
    }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: BSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, BSONValue)...) { self = .document(BSONDocument(elements)) }
}

/// A BSON document: keys and values in order (the order matters: a command's name comes first).
public struct BSONDocument: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    /// The elements in order. Keys may repeat on the wire; lookups return the first.
    public var elements: [(key: String, value: BSONValue)]

    public init() { elements = [] }

    public init(_ elements: [(String, BSONValue)]) {
        self.elements = elements.map { (key: $0.0, value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, BSONValue)...) {
        self.init(elements)
    }

    /// The first value under `key`; setting appends the key when absent, replaces it when present.
    public subscript(key: String) -> BSONValue? {
        get { elements.first { $0.key == key }?.value }
        set {
            if let index = elements.firstIndex(where: { $0.key == key }) {
                if let newValue { elements[index].value = newValue } else { elements.remove(at: index) }
            } else if let newValue {
                elements.append((key: key, value: newValue))
            }
        }
    }

    /// The keys in order.
    public var keys: [String] { elements.map(\.key) }

    public var isEmpty: Bool { elements.isEmpty }

    public static func == (lhs: BSONDocument, rhs: BSONDocument) -> Bool {
        lhs.elements.count == rhs.elements.count
            && zip(lhs.elements, rhs.elements).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

/// Why bytes are not a valid BSON document.
public struct BSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "invalid BSON: \(reason)" }
}
