/// The CONNECT request: protocol versions, buffer sizes and the connect descriptor. A descriptor longer
/// than 230 bytes does not fit the CONNECT packet and follows it in a DATA packet, as Oracle's clients
/// send it.
public struct TNSConnectRequest: Sendable, Equatable {
    /// The newest protocol version asked for (319: 23ai), and the oldest accepted (300).
    public static let versionDesired: UInt16 = 319
    public static let versionMinimum: UInt16 = 300
    /// Descriptors up to this long travel inside the CONNECT packet.
    public static let maxInlineData = 230
    /// Where the descriptor starts in a CONNECT packet (from the packet's first byte).
    public static let dataOffset: UInt16 = 74

    public var descriptor: String
    public var sdu: UInt32
    /// Set on the CONNECT that follows a REDIRECT.
    public var redirected: Bool

    public init(descriptor: String, sdu: UInt32 = 8192, redirected: Bool = false) {
        self.descriptor = descriptor
        self.sdu = sdu
        self.redirected = redirected
    }

    /// The packets to send: CONNECT, and a DATA packet with the descriptor when it is long.
    public var packets: [TNSPacket] {
        let data = Array(descriptor.utf8)
        var payload: [UInt8] = []
        payload.appendUInt16(Self.versionDesired)
        payload.appendUInt16(Self.versionMinimum)
        payload.appendUInt16(0x0001)  // global service options: don't care
        payload.appendUInt16(UInt16(clamping: sdu))
        payload.appendUInt16(UInt16(clamping: sdu))  // TDU
        payload.appendUInt16(0x4F98)  // protocol characteristics
        payload.appendUInt16(0)  // line turnaround
        payload.appendUInt16(1)  // byte order: 1 as written
        payload.appendUInt16(UInt16(clamping: data.count))
        payload.appendUInt16(Self.dataOffset)
        payload.appendUInt32(0)  // max receivable data
        payload.append(0x84)  // NSI flags: security renegotiation, native encryption off
        payload.append(0x84)
        payload.appendUInt64(0)
        payload.appendUInt64(0)
        payload.appendUInt64(0)
        payload.appendUInt32(sdu)
        payload.appendUInt32(sdu)
        payload.appendUInt32(0)  // connect flags 1
        payload.appendUInt32(0)  // connect flags 2
        let flags = redirected ? TNSPacket.redirectFlag : 0
        if data.count > Self.maxInlineData {
            return [
                TNSPacket(type: .connect, flags: flags, payload: payload),
                TNSPacket(type: .data, payload: [0, 0] + data),
            ]
        }
        return [TNSPacket(type: .connect, flags: flags, payload: payload + data)]
    }

    /// The descriptor of a CONNECT packet, or nil when it follows in a DATA packet (its length is given);
    /// throws when the packet is not a well-formed CONNECT. For listeners (the tests' scripted one).
    public static func parse(_ packet: TNSPacket) throws(TNSMessageError) -> (
        version: UInt16, descriptorLength: Int, descriptor: String?
    ) {
        let payload = packet.payload
        guard packet.type == .connect, payload.count >= Int(dataOffset) - TNSPacket.headerSize else {
            throw .malformed("a CONNECT packet of \(payload.count + TNSPacket.headerSize) bytes")
        }
        let version = payload.readUInt16(at: 0)
        let length = Int(payload.readUInt16(at: 16))
        let offset = Int(payload.readUInt16(at: 18)) - TNSPacket.headerSize
        guard length > 0 else { throw .malformed("a CONNECT without a connect descriptor") }
        if payload.count == offset, length > maxInlineData { return (version, length, nil) }
        guard offset >= 0, offset + length <= payload.count else {
            throw .malformed("a CONNECT whose descriptor (\(length) bytes at \(offset)) overruns the packet")
        }
        return (version, length, String(decoding: payload[offset..<offset + length], as: UTF8.self))
    }
}

/// A listener packet that breaks TNS.
public enum TNSMessageError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)

    public var description: String {
        switch self {
        case .malformed(let text): text
        }
    }
}

/// What the listener answered a CONNECT with.
public enum TNSListenerReply: Sendable, Equatable {
    /// The listener handed the connection to the database.
    case accept(TNSAccept)
    /// Refused: the reasons and the text, `(DESCRIPTION=(TMP=)(VSNNUM=...)(ERR=12514)...)`.
    case refuse(userReason: UInt8, systemReason: UInt8, data: String)
    /// Go elsewhere: `data` is `address\0descriptor`, or empty when it follows in a DATA packet of `length` bytes.
    case redirect(length: Int, data: String?)
    /// Send the CONNECT again.
    case resend
    /// A break, reset or interrupt marker.
    case marker(type: UInt8)
    /// A DATA packet (a REDIRECT's data that did not fit its packet).
    case data([UInt8])
    /// CONTROL: carries nothing a ping needs.
    case control

    /// Decodes one packet from the listener.
    public static func decode(_ packet: TNSPacket) throws(TNSMessageError) -> TNSListenerReply {
        let payload = packet.payload
        switch packet.type {
        case .accept: return .accept(try TNSAccept(payload))
        case .refuse:
            guard payload.count >= 4 else { throw .malformed("a REFUSE packet of \(payload.count + 8) bytes") }
            let length = Int(payload.readUInt16(at: 2))
            guard 4 + length <= payload.count else {
                throw .malformed("a REFUSE whose text (\(length) bytes) overruns its packet")
            }
            return .refuse(
                userReason: payload[0], systemReason: payload[1],
                data: String(decoding: payload[4..<4 + length], as: UTF8.self))
        case .redirect:
            guard payload.count >= 2 else { throw .malformed("a REDIRECT packet of \(payload.count + 8) bytes") }
            let length = Int(payload.readUInt16(at: 0))
            guard length > 0 else { throw .malformed("a REDIRECT without an address") }
            if payload.count == 2 { return .redirect(length: length, data: nil) }
            guard 2 + length <= payload.count else {
                throw .malformed("a REDIRECT whose data (\(length) bytes) overruns its packet")
            }
            return .redirect(length: length, data: String(decoding: payload[2..<2 + length], as: UTF8.self))
        case .resend: return .resend
        case .marker:
            guard payload.count >= 3 else { throw .malformed("a MARKER packet of \(payload.count + 8) bytes") }
            return .marker(type: payload[2])
        case .data:
            guard payload.count >= 2 else { throw .malformed("a DATA packet of \(payload.count + 8) bytes") }
            return .data(Array(payload[2...]))
        case .control: return .control
        case .connect: throw .malformed("a CONNECT packet (the listener's side never sends one)")
        }
    }
}

/// The listener's ACCEPT: the protocol version and buffer size agreed.
public struct TNSAccept: Sendable, Equatable {
    /// 315 is 12.1, 318 18c/19c, 319 23ai; below 315 (11g and older) modern thin clients refuse.
    public var version: UInt16
    public var options: UInt16
    public var sdu: UInt32
    /// Native Network Encryption or data integrity required by the server (sqlnet.ora).
    public var nativeEncryptionRequired: Bool

    public init(version: UInt16, options: UInt16 = 0, sdu: UInt32, nativeEncryptionRequired: Bool = false) {
        self.version = version
        self.options = options
        self.sdu = sdu
        self.nativeEncryptionRequired = nativeEncryptionRequired
    }

    init(_ payload: [UInt8]) throws(TNSMessageError) {
        guard payload.count >= 16 else { throw .malformed("an ACCEPT packet of \(payload.count + 8) bytes") }
        version = payload.readUInt16(at: 0)
        options = payload.readUInt16(at: 2)
        if version >= 315 {
            guard payload.count >= 28 else {
                throw .malformed("an ACCEPT of version \(version) in \(payload.count + 8) bytes (at least 36)")
            }
            nativeEncryptionRequired = payload[14] & 0x10 != 0
            sdu = payload.readUInt32(at: 24)
        } else {
            nativeEncryptionRequired = payload[14] & 0x10 != 0
            sdu = UInt32(payload.readUInt16(at: 4))
        }
    }

    /// The ACCEPT packet a listener sends (for the tests' scripted one): 45 bytes at version 318 and later.
    public var packet: TNSPacket {
        var payload: [UInt8] = []
        payload.appendUInt16(version)
        payload.appendUInt16(options)
        payload.appendUInt16(UInt16(clamping: sdu))
        payload.appendUInt16(UInt16(clamping: sdu))
        payload.appendUInt16(0x0100)  // byte order
        payload.appendUInt16(0)  // accept data length
        payload.appendUInt16(45)  // accept data offset
        payload.append(nativeEncryptionRequired ? 0x10 : 0x04)
        payload.append(0)
        payload += [UInt8](repeating: 0, count: 8)
        payload.appendUInt32(sdu)
        payload.appendUInt32(sdu)  // TDU
        payload.append(0)
        payload.appendUInt32(0)  // flags 2: no out-of-band check, no fast auth, no end of response
        return TNSPacket(type: .accept, payload: payload)
    }
}
