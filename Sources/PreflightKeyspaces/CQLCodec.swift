/// Writes CQL's notations ([short], [int], [string], [long string], [bytes], [string map]). Pure.
public enum CQLWriter {
    public static func short(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }

    public static func int(_ value: Int32) -> [UInt8] {
        let bits = UInt32(bitPattern: value)
        return [UInt8(bits >> 24), UInt8((bits >> 16) & 0xFF), UInt8((bits >> 8) & 0xFF), UInt8(bits & 0xFF)]
    }

    /// [string]: a short length, then UTF-8.
    public static func string(_ text: String) -> [UInt8] {
        let utf8 = Array(text.utf8)
        return short(UInt16(min(utf8.count, Int(UInt16.max)))) + utf8.prefix(Int(UInt16.max))
    }

    /// [long string]: an int length, then UTF-8.
    public static func longString(_ text: String) -> [UInt8] {
        let utf8 = Array(text.utf8)
        return int(Int32(utf8.count)) + utf8
    }

    /// [bytes]: an int length (-1 for null), then the bytes.
    public static func bytes(_ value: [UInt8]?) -> [UInt8] {
        guard let value else { return int(-1) }
        return int(Int32(value.count)) + value
    }

    /// [string map]: a short count, then key and value strings, keys sorted (so frames are reproducible).
    public static func stringMap(_ map: [String: String]) -> [UInt8] {
        var out = short(UInt16(map.count))
        for key in map.keys.sorted() {
            out += string(key) + string(map[key] ?? "")
        }
        return out
    }

    /// [string list].
    public static func stringList(_ list: [String]) -> [UInt8] {
        list.reduce(short(UInt16(list.count))) { $0 + string($1) }
    }
}

/// Reads CQL's notations from a body, refusing lengths that run past its end. Pure.
public struct CQLReader: Sendable {
    public private(set) var bytes: [UInt8]
    public private(set) var offset = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var remaining: Int { bytes.count - offset }

    public mutating func take(_ count: Int) throws(CQLFrameError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else {
            throw .malformed("\(count) bytes wanted, \(remaining) left")
        }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    public mutating func byte() throws(CQLFrameError) -> UInt8 { try take(1).first ?? 0 }

    public mutating func short() throws(CQLFrameError) -> UInt16 {
        try take(2).reduce(UInt16(0)) { $0 << 8 | UInt16($1) }
    }

    public mutating func int() throws(CQLFrameError) -> Int32 {
        Int32(bitPattern: try take(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
    }

    public mutating func long() throws(CQLFrameError) -> Int64 {
        Int64(bitPattern: try take(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    }

    public mutating func string() throws(CQLFrameError) -> String {
        String(decoding: try take(Int(try short())), as: UTF8.self)
    }

    public mutating func longString() throws(CQLFrameError) -> String {
        let length = try int()
        guard length >= 0 else { throw .malformed("a negative string length") }
        return String(decoding: try take(Int(length)), as: UTF8.self)
    }

    /// [bytes]; nil for a null (negative length).
    public mutating func bytesValue() throws(CQLFrameError) -> [UInt8]? {
        let length = try int()
        guard length >= 0 else { return nil }
        return Array(try take(Int(length)))
    }

    /// [short bytes].
    public mutating func shortBytes() throws(CQLFrameError) -> [UInt8] { Array(try take(Int(try short()))) }

    public mutating func stringList() throws(CQLFrameError) -> [String] {
        let count = Int(try short())
        var list: [String] = []
        for _ in 0..<count { list.append(try string()) }
        return list
    }

    public mutating func stringMap() throws(CQLFrameError) -> [String: String] {
        let count = Int(try short())
        var map: [String: String] = [:]
        for _ in 0..<count {
            let key = try string()
            map[key] = try string()
        }
        return map
    }

    public mutating func stringMultimap() throws(CQLFrameError) -> [String: [String]] {
        let count = Int(try short())
        var map: [String: [String]] = [:]
        for _ in 0..<count {
            let key = try string()
            map[key] = try stringList()
        }
        return map
    }

    /// [bytes map] (custom payloads): skipped.
    public mutating func skipBytesMap() throws(CQLFrameError) {
        let count = Int(try short())
        for _ in 0..<count {
            _ = try string()
            _ = try bytesValue()
        }
    }
}
