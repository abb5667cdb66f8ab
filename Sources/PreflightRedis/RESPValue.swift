/// One reply (or one element of a reply) in the Redis serialization protocol, RESP2 or RESP3.
///
/// Only what a ping needs is kept apart; every RESP3 type is represented so that a reply of any
/// shape can be read (and skipped) without error.
public enum RESPValue: Sendable, Equatable {
    /// `+text` (RESP2/3).
    case simpleString(String)
    /// `-CODE text` or the RESP3 blob error `!`: the whole line, code first ("WRONGPASS invalid username-password pair").
    case error(String)
    /// `:n`.
    case integer(Int64)
    /// `$n` followed by n bytes.
    case bulkString([UInt8])
    /// RESP2's `$-1` / `*-1` and RESP3's `_`.
    case null
    /// `*n` (RESP2/3).
    case array([RESPValue])
    /// RESP3 `%n`: key/value pairs in the order sent.
    case map([RESPPair])
    /// RESP3 `~n`.
    case set([RESPValue])
    /// RESP3 `>n`: out-of-band data (client tracking, pub/sub), not a reply to a command.
    case push([RESPValue])
    /// RESP3 `,` (kept as sent: "3.14", "inf", "nan").
    case double(String)
    /// RESP3 `#t` / `#f`.
    case boolean(Bool)
    /// RESP3 `(` (kept as its decimal text).
    case bigNumber(String)
    /// RESP3 `=n`: a three-letter format ("txt", "mkd") and the text.
    case verbatim(format: String, text: [UInt8])

    /// The value as text, for scalars (simple, bulk and verbatim strings, numbers, booleans); nil otherwise.
    public var text: String? {
        switch self {
        case .simpleString(let text), .double(let text), .bigNumber(let text): text
        case .bulkString(let bytes), .verbatim(_, let bytes): String(decoding: bytes, as: UTF8.self)
        case .integer(let number): String(number)
        case .boolean(let flag): flag ? "true" : "false"
        default: nil
        }
    }

    /// The error line, when this is an error reply.
    public var errorText: String? {
        if case .error(let text) = self { return text }
        return nil
    }

    /// A map's pairs; an even-length array read as pairs (a RESP2 HELLO reply); nil otherwise.
    public var pairs: [RESPPair]? {
        switch self {
        case .map(let pairs): return pairs
        case .array(let items) where items.count % 2 == 0:
            return stride(from: 0, to: items.count, by: 2).map { RESPPair(key: items[$0], value: items[$0 + 1]) }
        default: return nil
        }
    }

    /// The value under the text key `key` of a map (or pair-wise array).
    public subscript(key: String) -> RESPValue? {
        pairs?.first { $0.key.text == key }?.value
    }

    /// A short name of the reply's kind, for messages ("an array of 3 elements").
    public var kindDescription: String {
        switch self {
        case .simpleString: "a simple string"
        case .error: "an error"
        case .integer: "an integer"
        case .bulkString(let bytes): "a bulk string of \(bytes.count) bytes"
        case .null: "a null"
        case .array(let items): "an array of \(items.count) elements"
        case .map(let pairs): "a map of \(pairs.count) entries"
        case .set(let items): "a set of \(items.count) elements"
        case .push: "a push message"
        case .double: "a double"
        case .boolean: "a boolean"
        case .bigNumber: "a big number"
        case .verbatim: "a verbatim string"
        }
    }
}

/// One entry of a RESP3 map.
public struct RESPPair: Sendable, Equatable {
    public var key: RESPValue
    public var value: RESPValue

    public init(key: RESPValue, value: RESPValue) {
        self.key = key
        self.value = value
    }
}
