/// One CQL native protocol frame (v4): a 9-byte header (version, flags, stream, opcode, body length)
/// and its body. Pure.
public struct CQLFrame: Sendable, Equatable {
    /// The protocol version this client speaks.
    public static let version: UInt8 = 4
    /// The header's length in bytes.
    public static let headerLength = 9
    /// The longest body a ping accepts (CQL allows 256 MiB; a ping's answers are a few KiB).
    public static let maximumBodyLength = 1 << 20

    /// The frame's operation.
    public enum Opcode: UInt8, Sendable {
        case error = 0x00
        case startup = 0x01
        case ready = 0x02
        case authenticate = 0x03
        case options = 0x05
        case supported = 0x06
        case query = 0x07
        case result = 0x08
        case prepare = 0x09
        case execute = 0x0A
        case register = 0x0B
        case event = 0x0C
        case batch = 0x0D
        case authChallenge = 0x0E
        case authResponse = 0x0F
        case authSuccess = 0x10
    }

    /// Header flags.
    public struct Flags: OptionSet, Sendable, Equatable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let compression = Flags(rawValue: 0x01)
        public static let tracing = Flags(rawValue: 0x02)
        public static let customPayload = Flags(rawValue: 0x04)
        public static let warning = Flags(rawValue: 0x08)
    }

    /// The version byte: 0x04 for a request, 0x84 for a response.
    public var versionByte: UInt8
    public var flags: Flags
    public var stream: Int16
    public var opcode: Opcode
    public var body: [UInt8]

    public init(versionByte: UInt8 = CQLFrame.version, flags: Flags = [], stream: Int16, opcode: Opcode, body: [UInt8])
    {
        self.versionByte = versionByte
        self.flags = flags
        self.stream = stream
        self.opcode = opcode
        self.body = body
    }

    /// True for a frame a server sent (the version byte's high bit).
    public var isResponse: Bool { versionByte & 0x80 != 0 }
    /// The protocol version, without the direction bit.
    public var protocolVersion: UInt8 { versionByte & 0x7F }

    /// The frame as sent on the wire.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [versionByte, flags.rawValue]
        bytes += CQLWriter.short(UInt16(bitPattern: stream))
        bytes.append(opcode.rawValue)
        bytes += CQLWriter.int(Int32(body.count))
        return bytes + body
    }
}

/// Why bytes are not a CQL frame.
public enum CQLFrameError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The version byte is not a CQL response of a version this client knows (3 to 5).
    case badVersion(UInt8)
    /// The opcode byte is not one of CQL's.
    case badOpcode(UInt8)
    /// The body length is negative or larger than a ping accepts.
    case badLength(Int64)
    /// The frame is compressed, though no compression was asked for.
    case compressed
    /// A body does not hold what its opcode says.
    case malformed(String)

    public var description: String {
        switch self {
        case .badVersion(let byte): "a frame with version byte 0x\(String(byte, radix: 16)), not a CQL response"
        case .badOpcode(let byte): "a frame with unknown opcode 0x\(String(byte, radix: 16))"
        case .badLength(let length): "a frame announcing a body of \(length) bytes"
        case .compressed: "a compressed frame, though no compression was agreed"
        case .malformed(let what): "a malformed frame (\(what))"
        }
    }
}

/// Splits a byte stream into frames. Pure.
public enum CQLFrameDecoder {
    /// The frame at the start of `bytes` and the bytes it took, or nil when more bytes are needed. A bad
    /// header is refused as soon as its 9 bytes are in (a huge length is never waited for).
    /// `responses`: true when decoding what a server sends (the client's side).
    public static func decode(_ bytes: ArraySlice<UInt8>, responses: Bool = true) throws(CQLFrameError) -> (
        frame: CQLFrame, consumed: Int
    )? {
        guard bytes.count >= CQLFrame.headerLength else {
            // Even one byte can already be wrong: refuse garbage at once.
            if let first = bytes.first { try checkVersion(first, responses: responses) }
            return nil
        }
        let start = bytes.startIndex
        let versionByte = bytes[start]
        try checkVersion(versionByte, responses: responses)
        let flags = CQLFrame.Flags(rawValue: bytes[start + 1])
        let stream = Int16(bitPattern: UInt16(bytes[start + 2]) << 8 | UInt16(bytes[start + 3]))
        guard let opcode = CQLFrame.Opcode(rawValue: bytes[start + 4]) else { throw .badOpcode(bytes[start + 4]) }
        let length = Int32(bitPattern: bytes[(start + 5)..<(start + 9)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        guard length >= 0, Int(length) <= CQLFrame.maximumBodyLength else { throw .badLength(Int64(length)) }
        if flags.contains(.compression) { throw .compressed }
        let total = CQLFrame.headerLength + Int(length)
        guard bytes.count >= total else { return nil }
        let body = Array(bytes[(start + CQLFrame.headerLength)..<(start + total)])
        return (CQLFrame(versionByte: versionByte, flags: flags, stream: stream, opcode: opcode, body: body), total)
    }

    static func checkVersion(_ byte: UInt8, responses: Bool) throws(CQLFrameError) {
        let isResponse = byte & 0x80 != 0
        guard isResponse == responses, (3...5).contains(byte & 0x7F) else { throw .badVersion(byte) }
    }
}
