/// BSON encoding and decoding (bsonspec.org, version 1.1): little-endian integers, length-prefixed
/// documents and strings, NUL-terminated keys. Pure functions over byte arrays.
extension BSONDocument {
    /// The document's BSON bytes. Keys are written as C strings, so a NUL inside a key is dropped.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        BSONWriter.write(self, into: &out)
        return out
    }

    /// Decodes one document that must fill `bytes` exactly.
    public static func decode(_ bytes: [UInt8]) throws(BSONError) -> BSONDocument {
        var reader = BSONReader(bytes: bytes)
        let document = try reader.readDocument(depth: 0)
        guard reader.index == bytes.count else {
            throw BSONError("\(bytes.count - reader.index) bytes after the end of the document")
        }
        return document
    }

    /// Decodes one document at the start of `bytes`; returns it and the number of bytes it took.
    public static func decodePrefix(_ bytes: ArraySlice<UInt8>) throws(BSONError) -> (BSONDocument, Int) {
        var reader = BSONReader(bytes: Array(bytes))
        let document = try reader.readDocument(depth: 0)
        return (document, reader.index)
    }
}

enum BSONWriter {
    static func write(_ document: BSONDocument, into out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: [0, 0, 0, 0])
        for (key, value) in document.elements {
            writeElement(key, value, into: &out)
        }
        out.append(0)
        patchLength(at: start, in: &out)
    }

    static func writeArray(_ values: [BSONValue], into out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: [0, 0, 0, 0])
        for (index, value) in values.enumerated() {
            writeElement(String(index), value, into: &out)
        }
        out.append(0)
        patchLength(at: start, in: &out)
    }

    static func writeElement(_ key: String, _ value: BSONValue, into out: inout [UInt8]) {
        out.append(value.typeByte)
        writeCString(key, into: &out)
        switch value {
        case .double(let number): writeLE(number.bitPattern, into: &out)
        case .string(let text), .javascript(let text), .symbol(let text): writeString(text, into: &out)
        case .document(let document): write(document, into: &out)
        case .array(let values): writeArray(values, into: &out)
        case .binary(let subtype, let bytes):
            writeLE(Int32(truncatingIfNeeded: bytes.count), into: &out)
            out.append(subtype)
            out.append(contentsOf: bytes)
        case .undefined, .null, .minKey, .maxKey: break
        case .objectId(let bytes): out.append(contentsOf: fixed(bytes, 12))
        case .bool(let flag): out.append(flag ? 1 : 0)
        case .datetime(let milliseconds): writeLE(milliseconds, into: &out)
        case .regex(let pattern, let options):
            writeCString(pattern, into: &out)
            writeCString(String(options.sorted()), into: &out)
        case .dbPointer(let namespace, let id):
            writeString(namespace, into: &out)
            out.append(contentsOf: fixed(id, 12))
        case .javascriptWithScope(let code, let scope):
            let start = out.count
            out.append(contentsOf: [0, 0, 0, 0])
            writeString(code, into: &out)
            write(scope, into: &out)
            patchLength(at: start, in: &out)
        case .int32(let number): writeLE(number, into: &out)
        case .timestamp(let seconds, let increment):
            writeLE(increment, into: &out)
            writeLE(seconds, into: &out)
        case .int64(let number): writeLE(number, into: &out)
        case .decimal128(let bytes): out.append(contentsOf: fixed(bytes, 16))
        }
    }

    static func writeCString(_ text: String, into out: inout [UInt8]) {
        out.append(contentsOf: text.utf8.filter { $0 != 0 })
        out.append(0)
    }

    static func writeString(_ text: String, into out: inout [UInt8]) {
        let bytes = Array(text.utf8)
        writeLE(Int32(truncatingIfNeeded: bytes.count + 1), into: &out)
        out.append(contentsOf: bytes)
        out.append(0)
    }

    static func writeLE<T: FixedWidthInteger>(_ value: T, into out: inout [UInt8]) {
        var little = value.littleEndian
        withUnsafeBytes(of: &little) { out.append(contentsOf: $0) }
    }

    static func patchLength(at start: Int, in out: inout [UInt8]) {
        let length = UInt32(truncatingIfNeeded: out.count - start)
        for offset in 0..<4 { out[start + offset] = UInt8(truncatingIfNeeded: length >> (8 * offset)) }
    }

    static func fixed(_ bytes: [UInt8], _ count: Int) -> [UInt8] {
        bytes.count == count ? bytes : Array((bytes + [UInt8](repeating: 0, count: count)).prefix(count))
    }
}

/// Reads BSON from a byte array, checking every length against what is actually there.
struct BSONReader {
    /// Deeper nesting than this is refused (mongod allows 100 levels in stored documents; replies nest less).
    static let maxDepth = 128

    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func readDocument(depth: Int) throws(BSONError) -> BSONDocument {
        guard depth <= Self.maxDepth else { throw BSONError("documents nested more than \(Self.maxDepth) levels deep") }
        let start = index
        let length = Int(try readInt32())
        guard length >= 5 else { throw BSONError("a document announces \(length) bytes, fewer than the minimum of 5") }
        guard length <= bytes.count - start else {
            throw BSONError("a document announces \(length) bytes but only \(bytes.count - start) remain")
        }
        let end = start + length
        var document = BSONDocument()
        while true {
            guard index < end else { throw BSONError("a document is not terminated by a NUL byte") }
            let type = bytes[index]
            index += 1
            if type == 0 {
                guard index == end else {
                    throw BSONError("a document ends \(end - index) bytes before its announced length")
                }
                return document
            }
            let key = try readCString(limit: end)
            let value = try readValue(type: type, depth: depth, limit: end)
            document.elements.append((key: key, value: value))
            guard index <= end else {
                throw BSONError("element \"\(key.prefix(40))\" runs past the end of its document")
            }
        }
    }

    mutating func readValue(type: UInt8, depth: Int, limit: Int) throws(BSONError) -> BSONValue {
        switch type {
        case 0x01: return .double(Double(bitPattern: try readLE(UInt64.self)))
        case 0x02: return .string(try readString())
        case 0x03: return .document(try readDocument(depth: depth + 1))
        case 0x04:
            let document = try readDocument(depth: depth + 1)
            return .array(document.elements.map(\.value))
        case 0x05:
            let count = Int(try readInt32())
            guard count >= 0 else { throw BSONError("binary data with a negative length") }
            let subtype = try readBytes(1)[0]
            var data = try readBytes(count)
            if subtype == 0x02 {
                // The old binary subtype repeats the length inside the data.
                if data.count >= 4 { data.removeFirst(4) }
            }
            return .binary(subtype: subtype, bytes: data)
        case 0x06: return .undefined
        case 0x07: return .objectId(try readBytes(12))
        case 0x08:
            let byte = try readBytes(1)[0]
            guard byte <= 1 else { throw BSONError("a boolean byte of \(byte)") }
            return .bool(byte == 1)
        case 0x09: return .datetime(try readLE(Int64.self))
        case 0x0A: return .null
        case 0x0B:
            let pattern = try readCString(limit: limit)
            return .regex(pattern: pattern, options: try readCString(limit: limit))
        case 0x0C:
            let namespace = try readString()
            return .dbPointer(namespace: namespace, id: try readBytes(12))
        case 0x0D: return .javascript(try readString())
        case 0x0E: return .symbol(try readString())
        case 0x0F:
            let start = index
            let total = Int(try readInt32())
            let code = try readString()
            let scope = try readDocument(depth: depth + 1)
            guard index - start == total else {
                throw BSONError("code-with-scope length \(total) does not match its contents")
            }
            return .javascriptWithScope(code: code, scope: scope)
        case 0x10: return .int32(try readInt32())
        case 0x11:
            let increment = try readLE(UInt32.self)
            return .timestamp(seconds: try readLE(UInt32.self), increment: increment)
        case 0x12: return .int64(try readLE(Int64.self))
        case 0x13: return .decimal128(try readBytes(16))
        case 0xFF: return .minKey
        case 0x7F: return .maxKey
        default: throw BSONError("unknown element type 0x\(String(type, radix: 16))")
        }
    }

    mutating func readInt32() throws(BSONError) -> Int32 { try readLE(Int32.self) }

    mutating func readLE<T: FixedWidthInteger>(_: T.Type) throws(BSONError) -> T {
        let size = MemoryLayout<T>.size
        guard bytes.count - index >= size else {
            throw BSONError("truncated: \(size) bytes needed, \(bytes.count - index) remain")
        }
        var value: T = 0
        for offset in 0..<size { value |= T(truncatingIfNeeded: bytes[index + offset]) << (8 * offset) }
        index += size
        return value
    }

    mutating func readBytes(_ count: Int) throws(BSONError) -> [UInt8] {
        guard count >= 0, bytes.count - index >= count else {
            throw BSONError("truncated: \(count) bytes needed, \(bytes.count - index) remain")
        }
        defer { index += count }
        return Array(bytes[index..<(index + count)])
    }

    mutating func readCString(limit: Int) throws(BSONError) -> String {
        guard let end = bytes[index..<min(limit, bytes.count)].firstIndex(of: 0) else {
            throw BSONError("a key or C string is not terminated")
        }
        defer { index = end + 1 }
        return String(decoding: bytes[index..<end], as: UTF8.self)
    }

    mutating func readString() throws(BSONError) -> String {
        let length = Int(try readInt32())
        guard length >= 1 else {
            throw BSONError("a string announces \(length) bytes (at least 1 is needed for its NUL)")
        }
        let data = try readBytes(length)
        guard data.last == 0 else { throw BSONError("a string is not terminated by NUL") }
        return String(decoding: data.dropLast(), as: UTF8.self)
    }
}
