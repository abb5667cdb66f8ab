/// TDS packet types (MS-TDS 2.2.3.1.1) this client sends or reads.
enum TDSPacketType {
    static let sqlBatch: UInt8 = 0x01
    static let tabularResult: UInt8 = 0x04
    static let login7: UInt8 = 0x10
    static let prelogin: UInt8 = 0x12
}

/// One TDS message: the payloads of its packets up to the one marked end-of-message.
struct TDSMessage: Sendable, Equatable {
    var type: UInt8
    var payload: [UInt8]
}

/// Why a byte stream is not TDS packets.
enum TDSFramingError: Error, Equatable, Sendable {
    /// A header whose length is below the header's own 8 bytes or above TDS's 32767.
    case badLength(Int)
    /// A packet type a server never sends at this point.
    case unexpectedType(UInt8)
    /// The message grew past the reader's limit.
    case tooLarge(Int, limit: Int)
}

/// Splitting payloads into packets (8-byte header: type, status, big-endian length, SPID, packet id, window).
enum TDSFraming {
    static let headerLength = 8
    /// The packet size before LOGIN7 negotiates one (and the one this client asks for).
    static let defaultPacketSize = 4096
    /// The largest packet TDS allows.
    static let maxPacketSize = 32767
    /// Status bit: last packet of the message.
    static let endOfMessage: UInt8 = 0x01

    /// `payload` as packets of at most `packetSize` bytes, numbered from `packetID` (which is advanced).
    static func packets(type: UInt8, payload: [UInt8], packetSize: Int = defaultPacketSize, packetID: inout UInt8)
        -> [UInt8]
    {
        let chunk = max(packetSize - headerLength, 1)
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + (payload.count / chunk + 1) * headerLength)
        var start = 0
        repeat {
            let end = min(start + chunk, payload.count)
            let last = end == payload.count
            let length = end - start + headerLength
            out += [type, last ? endOfMessage : 0, UInt8(length >> 8), UInt8(length & 0xFF), 0, 0, packetID, 0]
            out += payload[start..<end]
            packetID &+= 1
            start = end
        } while start < payload.count
        return out
    }
}

/// Reassembles messages from inbound bytes. Pure: the wire handler and the tests feed it.
struct TDSMessageReader: Sendable {
    /// The most one message may hold.
    var maxMessage: Int
    /// Packet types accepted (a server answers with tabular results, 0x04).
    var acceptedTypes: Set<UInt8> = [TDSPacketType.tabularResult]
    private var buffer: [UInt8] = []
    private var partial: [UInt8] = []
    private var partialType: UInt8?

    init(maxMessage: Int) {
        self.maxMessage = maxMessage
    }

    /// Bytes received and not yet part of a whole message.
    var bufferedBytes: Int { buffer.count + partial.count }

    /// The packet being received: bytes had and bytes announced (nil without a whole header).
    var pendingPacket: (have: Int, announced: Int)? {
        guard buffer.count >= TDSFraming.headerLength else { return nil }
        return (buffer.count, Int(buffer[2]) << 8 | Int(buffer[3]))
    }

    mutating func append(_ bytes: [UInt8]) { buffer += bytes }

    /// The next whole message, nil when more bytes are needed.
    mutating func next() throws(TDSFramingError) -> TDSMessage? {
        while let type = buffer.first {
            guard acceptedTypes.contains(type) else { throw .unexpectedType(type) }
            guard buffer.count >= TDSFraming.headerLength else { return nil }
            let length = Int(buffer[2]) << 8 | Int(buffer[3])
            guard length >= TDSFraming.headerLength, length <= TDSFraming.maxPacketSize else {
                throw .badLength(length)
            }
            guard buffer.count >= length else { return nil }
            let status = buffer[1]
            if let partialType, partialType != type { throw .unexpectedType(type) }
            partial += buffer[TDSFraming.headerLength..<length]
            buffer.removeFirst(length)
            guard partial.count <= maxMessage else { throw .tooLarge(partial.count, limit: maxMessage) }
            if status & TDSFraming.endOfMessage != 0 {
                defer {
                    partial = []
                    partialType = nil
                }
                return TDSMessage(type: type, payload: partial)
            }
            partialType = type
        }
        return nil
    }
}
