/// Why TTC bytes could not be read.
public enum TTCDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The bytes end before the message does: more packets are needed.
    case truncated
    /// The bytes are not what the message allows.
    case malformed(String)

    public var description: String {
        switch self {
        case .truncated: "a message cut short"
        case .malformed(let text): text
        }
    }
}

/// Writes TTC (Oracle's Two-Task Common) values: the "universal" integers (a length byte, then that
/// many big-endian bytes, zero written as a lone 0), byte strings with a one-byte length or, above 252
/// bytes, 0xFE and 32 KiB chunks each with a universal length, ended by a zero chunk.
public struct TTCWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func uint8(_ value: UInt8) { bytes.append(value) }

    public mutating func raw(_ data: [UInt8]) { bytes += data }

    public mutating func uint16BE(_ value: UInt16) { bytes.appendUInt16(value) }

    public mutating func uint16LE(_ value: UInt16) {
        bytes.append(UInt8(value & 0xFF))
        bytes.append(UInt8(value >> 8))
    }

    /// A universal integer: 0, or its length (1, 2, 4 or 8) and the big-endian bytes.
    public mutating func ub(_ value: UInt64) {
        switch value {
        case 0: bytes.append(0)
        case ...0xFF: bytes += [1, UInt8(value)]
        case ...0xFFFF:
            bytes.append(2)
            bytes.appendUInt16(UInt16(value))
        case ...0xFFFF_FFFF:
            bytes.append(4)
            bytes.appendUInt32(UInt32(value))
        default:
            bytes.append(8)
            bytes.appendUInt64(value)
        }
    }

    public mutating func ub2(_ value: UInt16) { ub(UInt64(value)) }
    public mutating func ub4(_ value: UInt32) { ub(UInt64(value)) }

    /// Bytes with their length: one byte up to 252, else chunked.
    public mutating func bytesWithLength(_ data: [UInt8]) {
        if data.count <= 252 {
            bytes.append(UInt8(data.count))
            bytes += data
            return
        }
        bytes.append(0xFE)
        var offset = 0
        while offset < data.count {
            let chunk = min(32767, data.count - offset)
            ub4(UInt32(chunk))
            bytes += data[offset..<offset + chunk]
            offset += chunk
        }
        ub4(0)
    }

    /// A universal 32-bit length, then (when not empty) the bytes with their length.
    public mutating func bytesWithTwoLengths(_ data: [UInt8]) {
        ub4(UInt32(data.count))
        if !data.isEmpty { bytesWithLength(data) }
    }

    /// A key-value pair as the login sends them: key and value each with two lengths, then the flags.
    public mutating func keyValue(_ key: String, _ value: String, flags: UInt32 = 0) {
        bytesWithTwoLengths(Array(key.utf8))
        bytesWithTwoLengths(Array(value.utf8))
        ub4(flags)
    }
}

/// Reads TTC values (see `TTCWriter`) from a message's bytes. Throws `.truncated` when they run out.
public struct TTCReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var remaining: Int { bytes.count - offset }

    public mutating func uint8() throws(TTCDecodeError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated }
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func raw(_ count: Int) throws(TTCDecodeError) -> [UInt8] {
        guard count >= 0 else { throw .malformed("a negative length") }
        guard count <= remaining else { throw .truncated }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    public mutating func skip(_ count: Int) throws(TTCDecodeError) { _ = try raw(count) }

    public mutating func uint16BE() throws(TTCDecodeError) -> UInt16 {
        let two = try raw(2)
        return UInt16(two[0]) << 8 | UInt16(two[1])
    }

    public mutating func uint16LE() throws(TTCDecodeError) -> UInt16 {
        let two = try raw(2)
        return UInt16(two[1]) << 8 | UInt16(two[0])
    }

    /// A universal integer of at most `maxLength` bytes; a negative one (top bit of the length) is
    /// read as its magnitude when `signed`, else refused.
    public mutating func ub(maxLength: Int, signed: Bool = false) throws(TTCDecodeError) -> UInt64 {
        var length = try uint8()
        if length & 0x80 != 0 {
            guard signed else { throw .malformed("a negative integer where an unsigned one belongs") }
            length &= 0x7F
        }
        guard Int(length) <= maxLength else {
            throw .malformed("an integer of \(length) bytes where at most \(maxLength) fit")
        }
        var value: UInt64 = 0
        for byte in try raw(Int(length)) { value = value << 8 | UInt64(byte) }
        return value
    }

    public mutating func ub1() throws(TTCDecodeError) -> UInt8 { try uint8() }
    public mutating func ub2() throws(TTCDecodeError) -> UInt16 { UInt16(try ub(maxLength: 2)) }
    public mutating func ub4() throws(TTCDecodeError) -> UInt32 { UInt32(try ub(maxLength: 4)) }
    public mutating func ub8() throws(TTCDecodeError) -> UInt64 { try ub(maxLength: 8) }
    public mutating func sb2() throws(TTCDecodeError) -> Int { Int(try ub(maxLength: 2, signed: true)) }
    public mutating func sb4() throws(TTCDecodeError) -> Int { Int(try ub(maxLength: 4, signed: true)) }

    /// Bytes with a one-byte length (0 and 0xFF are none), or chunked after 0xFE; at most `limit` bytes.
    public mutating func bytesWithLength(limit: Int = 1 << 20) throws(TTCDecodeError) -> [UInt8]? {
        let length = try uint8()
        if length == 0 || length == 0xFF { return nil }
        guard length == 0xFE else { return try raw(Int(length)) }
        var data: [UInt8] = []
        while true {
            let chunk = Int(try ub4())
            if chunk == 0 { return data }
            guard data.count + chunk <= limit else { throw .malformed("a value longer than \(limit) bytes") }
            data += try raw(chunk)
        }
    }

    /// A universal 32-bit length, then the bytes (nil when the length is 0).
    public mutating func bytesWithTwoLengths() throws(TTCDecodeError) -> [UInt8]? {
        let length = try ub4()
        guard length > 0 else { return nil }
        return try bytesWithLength() ?? []
    }

    /// `bytesWithTwoLengths` as UTF-8 text.
    public mutating func stringWithLength() throws(TTCDecodeError) -> String? {
        try bytesWithTwoLengths().map { String(decoding: $0, as: UTF8.self) }
    }

    /// Bytes up to a NUL (consumed, not returned), or to the end.
    public mutating func nullTerminated() throws(TTCDecodeError) -> [UInt8] {
        guard offset < bytes.count else { throw .truncated }
        var end = offset
        while end < bytes.count, bytes[end] != 0 { end += 1 }
        defer { offset = min(end + 1, bytes.count) }
        return Array(bytes[offset..<end])
    }
}
