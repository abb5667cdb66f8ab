/// MySQL's packet framing: a 3-byte little-endian payload length, a 1-byte sequence id, then the
/// payload. A payload of 2^24-1 bytes or more is split into chunks of exactly 2^24-1 bytes followed by
/// a shorter one (possibly empty); each chunk has its own header and sequence id. Pure.
public enum MySQLFraming {
    /// The largest payload one frame carries (16 MiB - 1).
    public static let maxChunk = 0xFF_FFFF

    /// The frames for one logical packet. `sequence` is the id of the first frame and is advanced past the
    /// last one (wrapping at 256), so that the next packet of the exchange continues the count.
    public static func frame(_ payload: [UInt8], sequence: inout UInt8) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + 4 * (payload.count / maxChunk + 1))
        var offset = 0
        while true {
            let size = min(maxChunk, payload.count - offset)
            out.append(UInt8(size & 0xFF))
            out.append(UInt8((size >> 8) & 0xFF))
            out.append(UInt8((size >> 16) & 0xFF))
            out.append(sequence)
            sequence &+= 1
            out.append(contentsOf: payload[offset..<(offset + size)])
            offset += size
            // A chunk of exactly maxChunk bytes says "more follows", even when nothing does: then an empty frame ends it.
            if size < maxChunk { break }
        }
        return out
    }
}

/// One logical packet from the peer: the sequence id of its first frame and the reassembled payload.
public struct MySQLPacket: Sendable, Equatable {
    public var sequence: UInt8
    public var payload: [UInt8]

    public init(sequence: UInt8, payload: [UInt8]) {
        self.sequence = sequence
        self.payload = payload
    }

    /// The sequence id that follows this packet's last frame (a payload of n * (2^24-1) bytes or more took n + 1 frames).
    public var nextSequence: UInt8 { sequence &+ UInt8(truncatingIfNeeded: payload.count / MySQLFraming.maxChunk + 1) }

    /// The first payload byte (0x00 OK, 0xFF ERR, 0xFE EOF or auth switch, 0x01 auth more data, 0x0A greeting).
    public var header: UInt8? { payload.first }
}

/// Why a byte stream is not well-formed MySQL framing.
public enum MySQLFramingError: Error, Sendable, Equatable {
    /// A frame announced more payload than this reader accepts; `announced` is the logical packet's size so far.
    case tooLarge(announced: Int, limit: Int)
    /// A frame's sequence id is not the one expected (the peer's frames must continue the exchange's count).
    case outOfOrder(expected: UInt8, received: UInt8)
}

/// Reassembles logical packets from bytes as they arrive, checking sequence ids and sizes. Pure.
///
/// The size check uses the header alone, so a peer announcing a huge packet is refused at once,
/// before it sends (or we wait for) the bytes.
public struct MySQLPacketReader: Sendable {
    /// The most a logical packet may hold.
    public var maxPayload: Int
    /// The sequence id the next frame must carry; nil accepts any (it is then checked from there on).
    public var expectedSequence: UInt8?

    private var buffer: [UInt8] = []
    private var start = 0
    private var partial: [UInt8] = []
    private var partialSequence: UInt8?

    public init(maxPayload: Int = 1 << 20, expectedSequence: UInt8? = nil) {
        self.maxPayload = maxPayload
        self.expectedSequence = expectedSequence
    }

    /// Bytes received and not yet part of a returned packet (including frames of an unfinished split packet).
    public var bufferedBytes: Int { buffer.count - start + partial.count }

    /// How many bytes the frame being received still lacks, when its header has arrived; for messages about truncation.
    public var pendingFrame: (have: Int, announced: Int)? {
        let available = buffer.count - start
        guard available >= 4 else { return available > 0 || !partial.isEmpty ? (available, 4) : nil }
        let length = Int(buffer[start]) | Int(buffer[start + 1]) << 8 | Int(buffer[start + 2]) << 16
        return (available - 4, length)
    }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        if start > 4096 && start > buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next whole packet, or nil when more bytes are needed.
    public mutating func next() throws(MySQLFramingError) -> MySQLPacket? {
        while buffer.count - start >= 4 {
            let length = Int(buffer[start]) | Int(buffer[start + 1]) << 8 | Int(buffer[start + 2]) << 16
            let sequence = buffer[start + 3]
            if let expected = expectedSequence, sequence != expected {
                throw .outOfOrder(expected: expected, received: sequence)
            }
            if partial.count + length > maxPayload {
                throw .tooLarge(announced: partial.count + length, limit: maxPayload)
            }
            guard buffer.count - start >= 4 + length else { return nil }
            let body = buffer[(start + 4)..<(start + 4 + length)]
            start += 4 + length
            if start == buffer.count {
                buffer.removeAll(keepingCapacity: true)
                start = 0
            }
            expectedSequence = sequence &+ 1
            if partialSequence == nil { partialSequence = sequence }
            partial.append(contentsOf: body)
            if length == MySQLFraming.maxChunk { continue }
            let packet = MySQLPacket(sequence: partialSequence!, payload: partial)
            partial = []
            partialSequence = nil
            return packet
        }
        return nil
    }
}

/// Reads MySQL's wire types from a payload. Every read checks bounds and throws instead of trapping.
public struct MySQLPayloadReader {
    public let bytes: [UInt8]
    public private(set) var index: Int

    public struct Truncated: Error, Sendable, Equatable {
        public var field: String
    }

    public init(_ bytes: [UInt8], index: Int = 0) {
        self.bytes = bytes
        self.index = index
    }

    public var remaining: Int { bytes.count - index }
    public var isAtEnd: Bool { index >= bytes.count }

    public mutating func u8(_ field: String) throws(Truncated) -> UInt8 {
        guard index < bytes.count else { throw Truncated(field: field) }
        defer { index += 1 }
        return bytes[index]
    }

    public mutating func uint(_ size: Int, _ field: String) throws(Truncated) -> UInt64 {
        guard remaining >= size else { throw Truncated(field: field) }
        var value: UInt64 = 0
        for offset in 0..<size { value |= UInt64(bytes[index + offset]) << (8 * offset) }
        index += size
        return value
    }

    public mutating func take(_ count: Int, _ field: String) throws(Truncated) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw Truncated(field: field) }
        defer { index += count }
        return Array(bytes[index..<(index + count)])
    }

    public mutating func skip(_ count: Int, _ field: String) throws(Truncated) {
        guard count >= 0, remaining >= count else { throw Truncated(field: field) }
        index += count
    }

    /// Bytes up to a NUL (consumed, not returned); to the end when there is no NUL and `orToEnd`.
    public mutating func nulTerminated(_ field: String, orToEnd: Bool = false) throws(Truncated) -> [UInt8] {
        guard let end = bytes[index...].firstIndex(of: 0) else {
            guard orToEnd else { throw Truncated(field: field) }
            return rest()
        }
        defer { index = end + 1 }
        return Array(bytes[index..<end])
    }

    public mutating func rest() -> [UInt8] {
        defer { index = bytes.count }
        return index < bytes.count ? Array(bytes[index...]) : []
    }

    /// A length-encoded integer; nil for 0xFB (SQL NULL in a row).
    public mutating func lengthEncoded(_ field: String) throws(Truncated) -> UInt64? {
        let first = try u8(field)
        switch first {
        case 0..<0xFB: return UInt64(first)
        case 0xFB: return nil
        case 0xFC: return try uint(2, field)
        case 0xFD: return try uint(3, field)
        case 0xFE: return try uint(8, field)
        default: throw Truncated(field: field)  // 0xFF is not a valid length
        }
    }

    /// A length-encoded string; nil for SQL NULL.
    public mutating func lengthEncodedBytes(_ field: String) throws(Truncated) -> [UInt8]? {
        guard let length = try lengthEncoded(field) else { return nil }
        guard length <= UInt64(remaining) else { throw Truncated(field: field) }
        return try take(Int(length), field)
    }
}

/// Writes MySQL's wire types.
public struct MySQLPayloadWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func u8(_ value: UInt8) { bytes.append(value) }

    public mutating func uint(_ value: UInt64, size: Int) {
        for offset in 0..<size { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * offset))) }
    }

    public mutating func append(_ data: [UInt8]) { bytes.append(contentsOf: data) }

    public mutating func nulTerminated(_ text: String) {
        bytes.append(contentsOf: Array(text.utf8))
        bytes.append(0)
    }

    public mutating func lengthEncoded(_ value: UInt64) {
        switch value {
        case 0..<0xFB: bytes.append(UInt8(value))
        case 0xFB..<(1 << 16):
            bytes.append(0xFC)
            uint(value, size: 2)
        case (1 << 16)..<(1 << 24):
            bytes.append(0xFD)
            uint(value, size: 3)
        default:
            bytes.append(0xFE)
            uint(value, size: 8)
        }
    }

    public mutating func lengthEncodedBytes(_ data: [UInt8]) {
        lengthEncoded(UInt64(data.count))
        bytes.append(contentsOf: data)
    }
}
