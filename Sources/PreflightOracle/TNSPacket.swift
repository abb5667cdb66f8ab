/// The packet types of Oracle Net (TNS) a ping meets.
public enum TNSPacketType: UInt8, Sendable, CustomStringConvertible {
    case connect = 1
    case accept = 2
    case refuse = 4
    case redirect = 5
    case data = 6
    case resend = 11
    case marker = 12
    case control = 14

    public var description: String {
        switch self {
        case .connect: "CONNECT"
        case .accept: "ACCEPT"
        case .refuse: "REFUSE"
        case .redirect: "REDIRECT"
        case .data: "DATA"
        case .resend: "RESEND"
        case .marker: "MARKER"
        case .control: "CONTROL"
        }
    }
}

/// One TNS packet: an 8-byte header (length, packet checksum, type, flags, header checksum) and its payload.
/// Before the listener's ACCEPT the length is 16 bits (bytes 0-1, bytes 2-3 zero); after an ACCEPT of
/// protocol version 315 (12.1) or later it is 32 bits (bytes 0-3).
public struct TNSPacket: Sendable, Equatable {
    public static let headerSize = 8
    /// Packet flag set on a CONNECT sent after a listener's REDIRECT.
    public static let redirectFlag: UInt8 = 0x04

    public var type: TNSPacketType
    public var flags: UInt8
    /// The bytes after the header.
    public var payload: [UInt8]

    public init(type: TNSPacketType, flags: UInt8 = 0, payload: [UInt8]) {
        self.type = type
        self.flags = flags
        self.payload = payload
    }

    /// The packet on the wire; `largeLength` for the 32-bit length used after ACCEPT.
    public func encoded(largeLength: Bool = false) -> [UInt8] {
        let length = Self.headerSize + payload.count
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        if largeLength {
            bytes.appendUInt32(UInt32(length))
        } else {
            bytes.appendUInt16(UInt16(clamping: length))
            bytes.appendUInt16(0)
        }
        bytes.append(type.rawValue)
        bytes.append(flags)
        bytes.appendUInt16(0)
        return bytes + payload
    }
}

/// Why bytes are not TNS packets.
public enum TNSFramingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A length below the header's size, or above what this side accepts.
    case badLength(Int, limit: Int)
    /// A packet type no listener sends.
    case unknownType(UInt8)
    /// Non-zero checksum fields where TNS puts zeros (before ACCEPT).
    case badHeader

    public var description: String {
        switch self {
        case .badLength(let length, let limit):
            "a packet length of \(length) bytes (a TNS packet is 8 to \(limit) bytes here)"
        case .unknownType(let type): "a packet of unknown type \(type)"
        case .badHeader: "a packet header whose checksum fields are not zero"
        }
    }
}

/// Cuts a byte stream into TNS packets. Pure: feed it bytes, take packets out.
public struct TNSFramer: Sendable {
    /// The largest packet accepted; before ACCEPT a listener's packets are small (REFUSE, REDIRECT).
    public var limit: Int
    /// Whether lengths are 32 bits (after an ACCEPT of version 315 or later).
    public var largeLength: Bool
    private var buffer: [UInt8] = []

    public init(limit: Int = 16 * 1024, largeLength: Bool = false) {
        self.limit = limit
        self.largeLength = largeLength
    }

    /// Bytes held that do not make a whole packet yet.
    public var buffered: Int { buffer.count }

    public mutating func feed(_ bytes: [UInt8]) {
        buffer += bytes
    }

    /// The next whole packet, nil when more bytes are needed; throws as soon as the header is wrong.
    public mutating func next() throws(TNSFramingError) -> TNSPacket? {
        guard buffer.count >= TNSPacket.headerSize else { return nil }
        let length: Int
        if largeLength {
            length = Int(buffer.readUInt32(at: 0))
        } else {
            length = Int(buffer.readUInt16(at: 0))
            guard buffer[2] == 0, buffer[3] == 0 else { throw .badHeader }
        }
        guard buffer[6] == 0, buffer[7] == 0 else { throw .badHeader }
        guard length >= TNSPacket.headerSize, length <= limit else { throw .badLength(length, limit: limit) }
        guard let type = TNSPacketType(rawValue: buffer[4]) else { throw .unknownType(buffer[4]) }
        guard buffer.count >= length else { return nil }
        let packet = TNSPacket(type: type, flags: buffer[5], payload: Array(buffer[TNSPacket.headerSize..<length]))
        buffer.removeFirst(length)
        return packet
    }
}

extension [UInt8] {
    mutating func appendUInt16(_ value: UInt16) {
        append(UInt8(value >> 8))
        append(UInt8(value & 0xFF))
    }

    mutating func appendUInt32(_ value: UInt32) {
        appendUInt16(UInt16(value >> 16))
        appendUInt16(UInt16(value & 0xFFFF))
    }

    mutating func appendUInt64(_ value: UInt64) {
        appendUInt32(UInt32(value >> 32))
        appendUInt32(UInt32(value & 0xFFFF_FFFF))
    }

    func readUInt16(at offset: Int) -> UInt16 {
        UInt16(self[offset]) << 8 | UInt16(self[offset + 1])
    }

    func readUInt32(at offset: Int) -> UInt32 {
        UInt32(readUInt16(at: offset)) << 16 | UInt32(readUInt16(at: offset + 2))
    }
}
