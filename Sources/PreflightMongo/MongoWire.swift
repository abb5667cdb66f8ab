/// The MongoDB wire protocol, as far as a ping needs it (MongoDB manual, "MongoDB Wire Protocol"):
/// a 16-byte little-endian header (messageLength, requestID, responseTo, opCode), then
/// OP_MSG (2013) with a kind-0 body section, or the legacy OP_QUERY (2004) / OP_REPLY (1) pair that
/// servers older than 3.6 need for every command and newer ones still accept for the first `isMaster`.
/// Pure: bytes in, values out.
public enum MongoOpCode: Int32, Sendable {
    case reply = 1
    case query = 2004
    case compressed = 2012
    case msg = 2013
}

/// A command's answer, whichever opcode carried it.
public struct MongoReply: Sendable, Equatable {
    public var opCode: MongoOpCode
    public var responseTo: Int32
    /// The body document (OP_MSG kind-0 section, or OP_REPLY's first document).
    public var document: BSONDocument
    /// OP_MSG's moreToCome flag: the server will send more replies without being asked.
    public var moreToCome: Bool
}

/// Why a frame is not an acceptable MongoDB message.
public struct MongoWireError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

public enum MongoWire {
    /// The largest message a MongoDB server sends (`maxMessageSizeBytes`, 48,000,000 bytes). A length
    /// prefix above it is refused before another byte is read.
    public static let maxMessageSize = 48_000_000
    /// The smallest legal message: the header alone.
    public static let headerSize = 16

    // MARK: Encoding

    /// An OP_MSG with one kind-0 section holding `command` (which must carry `$db`). No flags, no checksum.
    public static func opMsg(_ command: BSONDocument, requestID: Int32) -> [UInt8] {
        var body: [UInt8] = [0, 0, 0, 0]  // flagBits
        body.append(0)  // section kind 0: the body
        body.append(contentsOf: command.encoded())
        return header(bodyLength: body.count, requestID: requestID, opCode: .msg) + body
    }

    /// An OP_QUERY running `command` on `database` (collection "<database>.$cmd", numberToReturn -1).
    public static func opQuery(_ command: BSONDocument, database: String, requestID: Int32) -> [UInt8] {
        var body: [UInt8] = [0, 0, 0, 0]  // flags
        body.append(contentsOf: Array((database + ".$cmd").utf8.filter { $0 != 0 }))
        body.append(0)
        BSONWriter.writeLE(Int32(0), into: &body)  // numberToSkip
        BSONWriter.writeLE(Int32(-1), into: &body)  // numberToReturn: one document, close the cursor
        body.append(contentsOf: command.encoded())
        return header(bodyLength: body.count, requestID: requestID, opCode: .query) + body
    }

    static func header(bodyLength: Int, requestID: Int32, opCode: MongoOpCode) -> [UInt8] {
        var out: [UInt8] = []
        BSONWriter.writeLE(Int32(truncatingIfNeeded: headerSize + bodyLength), into: &out)
        BSONWriter.writeLE(requestID, into: &out)
        BSONWriter.writeLE(Int32(0), into: &out)
        BSONWriter.writeLE(opCode.rawValue, into: &out)
        return out
    }

    // MARK: Framing

    /// What the bytes received so far amount to.
    public enum FrameStatus: Sendable, Equatable {
        /// Not a whole message yet; `length` once the prefix is known.
        case incomplete(length: Int?)
        /// A whole message of `length` bytes is at the start.
        case complete(length: Int)
        /// Not a MongoDB message: stop reading.
        case invalid(String)
    }

    /// Checks the start of a reply stream: the length prefix (16 bytes to `limit`, which is at most
    /// `maxMessageSize`) as soon as 4 bytes are there, the opcode as soon as 16 are.
    public static func frameStatus(_ bytes: [UInt8], limit: Int = maxMessageSize) -> FrameStatus {
        guard bytes.count >= 4 else { return .incomplete(length: nil) }
        let length = Int(Int32(littleEndianBytes: bytes, at: 0))
        if length < headerSize {
            return .invalid("a message length of \(length) bytes (the header alone is 16)")
        }
        if length > maxMessageSize {
            return .invalid("a message length of \(length) bytes, more than MongoDB's maximum of \(maxMessageSize)")
        }
        if length > limit {
            return .invalid("a message length of \(length) bytes, more than the \(limit) bytes a ping reads")
        }
        if bytes.count >= headerSize {
            let code = Int32(littleEndianBytes: bytes, at: 12)
            guard let opCode = MongoOpCode(rawValue: code), opCode == .msg || opCode == .reply || opCode == .compressed
            else {
                return .invalid("opcode \(code), which is not a MongoDB reply (OP_MSG 2013 or OP_REPLY 1)")
            }
        }
        return bytes.count >= length ? .complete(length: length) : .incomplete(length: length)
    }

    // MARK: Decoding

    /// Decodes one whole reply message (as delimited by `frameStatus`).
    public static func decodeReply(_ frame: [UInt8]) throws(MongoWireError) -> MongoReply {
        guard frame.count >= headerSize else { throw MongoWireError("a message shorter than its 16-byte header") }
        let length = Int(Int32(littleEndianBytes: frame, at: 0))
        guard length == frame.count else {
            throw MongoWireError("a message whose length prefix (\(length)) does not match its size (\(frame.count))")
        }
        let responseTo = Int32(littleEndianBytes: frame, at: 8)
        let code = Int32(littleEndianBytes: frame, at: 12)
        switch MongoOpCode(rawValue: code) {
        case .msg: return try decodeMsg(frame, responseTo: responseTo)
        case .reply: return try decodeOpReply(frame, responseTo: responseTo)
        case .compressed:
            throw MongoWireError("a compressed message (OP_COMPRESSED), though no compression was offered")
        default: throw MongoWireError("opcode \(code), which is not a MongoDB reply")
        }
    }

    static func decodeMsg(_ frame: [UInt8], responseTo: Int32) throws(MongoWireError) -> MongoReply {
        guard frame.count >= headerSize + 5 else { throw MongoWireError("an OP_MSG too short to hold a section") }
        let flags = UInt32(bitPattern: Int32(littleEndianBytes: frame, at: 16))
        let checksumPresent = flags & 1 != 0
        let moreToCome = flags & 2 != 0
        // Bits 0-15 are "required": an unknown one set means we cannot read the message.
        if flags & 0xFFFC != 0 {
            throw MongoWireError("an OP_MSG with unknown required flag bits 0x\(String(flags, radix: 16))")
        }
        let end = frame.count - (checksumPresent ? 4 : 0)
        var index = headerSize + 4
        var body: BSONDocument?
        while index < end {
            let kind = frame[index]
            index += 1
            switch kind {
            case 0:
                let (document, used): (BSONDocument, Int)
                do throws(BSONError) { (document, used) = try BSONDocument.decodePrefix(frame[index..<end]) } catch {
                    throw MongoWireError("an OP_MSG body that is not valid BSON (\(error.reason))")
                }
                guard body == nil else { throw MongoWireError("an OP_MSG with two body sections") }
                body = document
                index += used
            case 1:
                guard end - index >= 4 else { throw MongoWireError("a truncated OP_MSG document sequence") }
                let size = Int(Int32(littleEndianBytes: frame, at: index))
                guard size >= 4, size <= end - index else {
                    throw MongoWireError("an OP_MSG document sequence of \(size) bytes that does not fit")
                }
                index += size  // document sequences are not used in replies to the commands a ping sends
            default:
                throw MongoWireError("an OP_MSG section of unknown kind \(kind)")
            }
        }
        guard let body else { throw MongoWireError("an OP_MSG without a body section") }
        return MongoReply(opCode: .msg, responseTo: responseTo, document: body, moreToCome: moreToCome)
    }

    static func decodeOpReply(_ frame: [UInt8], responseTo: Int32) throws(MongoWireError) -> MongoReply {
        // responseFlags(4) cursorID(8) startingFrom(4) numberReturned(4), then the documents.
        guard frame.count >= headerSize + 20 else { throw MongoWireError("an OP_REPLY too short for its fields") }
        let flags = Int32(littleEndianBytes: frame, at: 16)
        let returned = Int32(littleEndianBytes: frame, at: 32)
        guard returned >= 1 else {
            if flags & 1 != 0 { throw MongoWireError("an OP_REPLY saying the cursor was not found") }
            throw MongoWireError("an OP_REPLY without a document")
        }
        let document: BSONDocument
        do throws(BSONError) { (document, _) = try BSONDocument.decodePrefix(frame[(headerSize + 20)...]) } catch {
            throw MongoWireError("an OP_REPLY document that is not valid BSON (\(error.reason))")
        }
        return MongoReply(opCode: .reply, responseTo: responseTo, document: document, moreToCome: false)
    }
}

extension Int32 {
    /// Reads a little-endian Int32 at `offset` (the caller checks the bounds).
    init(littleEndianBytes bytes: [UInt8], at offset: Int) {
        self = Int32(
            bitPattern: UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
                | UInt32(bytes[offset + 3]) << 24)
    }
}
