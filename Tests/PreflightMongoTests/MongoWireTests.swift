import PreflightMongo
import Testing

@Suite struct MongoWireTests {
    static func le(_ value: Int32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }

    /// An OP_MSG reply as a server writes it.
    static func opMsgReply(_ body: BSONDocument, responseTo: Int32, flags: UInt32 = 0, checksum: Bool = false)
        -> [UInt8]
    {
        var payload =
            withUnsafeBytes(of: (flags | (checksum ? 1 : 0)).littleEndian) { Array($0) } + [0] + body.encoded()
        if checksum { payload += [0xAA, 0xBB, 0xCC, 0xDD] }
        return le(Int32(16 + payload.count)) + le(99) + le(responseTo) + le(2013) + payload
    }

    @Test func opMsgHasTheHeaderFlagsAndBody() throws {
        let command: BSONDocument = ["hello": 1, "$db": "admin"]
        let bytes = MongoWire.opMsg(command, requestID: 7)
        #expect(Array(bytes[0..<4]) == Self.le(Int32(bytes.count)))
        #expect(Array(bytes[4..<8]) == Self.le(7))
        #expect(Array(bytes[8..<12]) == Self.le(0))
        #expect(Array(bytes[12..<16]) == Self.le(2013))
        #expect(Array(bytes[16..<21]) == [0, 0, 0, 0, 0])
        #expect(try BSONDocument.decode(Array(bytes[21...])) == command)
    }

    @Test func opQueryTargetsTheCommandCollection() throws {
        let bytes = MongoWire.opQuery(["isMaster": 1], database: "admin", requestID: 3)
        #expect(Array(bytes[12..<16]) == Self.le(2004))
        #expect(Array(bytes[20..<31]) == Array("admin.$cmd\0".utf8))
        #expect(Array(bytes[31..<39]) == Self.le(0) + Self.le(-1))
        #expect(try BSONDocument.decode(Array(bytes[39...])) == ["isMaster": 1])
    }

    @Test func decodesOpMsgReplies() throws {
        let frame = Self.opMsgReply(["ok": 1.0, "isWritablePrimary": true], responseTo: 5, checksum: true)
        #expect(MongoWire.frameStatus(frame) == .complete(length: frame.count))
        let reply = try MongoWire.decodeReply(frame)
        #expect(reply.opCode == .msg)
        #expect(reply.responseTo == 5)
        #expect(reply.document["isWritablePrimary"] == .bool(true))
        #expect(MongoCommandError.from(reply.document) == nil)
    }

    @Test func decodesOpReply() throws {
        let document: BSONDocument = ["ismaster": true, "maxWireVersion": 5, "ok": 1.0]
        let body = Self.le(8) + [0, 0, 0, 0, 0, 0, 0, 0] + Self.le(0) + Self.le(1) + document.encoded()
        let frame = Self.le(Int32(16 + body.count)) + Self.le(1) + Self.le(4) + Self.le(1) + body
        let reply = try MongoWire.decodeReply(frame)
        #expect(reply.opCode == .reply)
        #expect(reply.document == document)
        #expect(MongoHello(reply.document).maxWireVersion == 5)
    }

    @Test func framingWaitsForTheWholeMessage() {
        let frame = Self.opMsgReply(["ok": 1], responseTo: 1)
        #expect(MongoWire.frameStatus(Array(frame.prefix(3))) == .incomplete(length: nil))
        #expect(MongoWire.frameStatus(Array(frame.prefix(20))) == .incomplete(length: frame.count))
        #expect(MongoWire.frameStatus(frame + [1, 2]) == .complete(length: frame.count))
    }

    @Test func absurdLengthsAreRefusedFromTheirFourBytes() {
        // 48,000,001 bytes: one more than MongoDB's maximum message.
        guard case .invalid(let reason) = MongoWire.frameStatus(Self.le(48_000_001)) else {
            Issue.record("accepted")
            return
        }
        #expect(reason.contains("48000000"))
        guard case .invalid = MongoWire.frameStatus(Self.le(0x7FFF_FFF0)) else {
            Issue.record("accepted")
            return
        }
        guard case .invalid = MongoWire.frameStatus(Self.le(-5)) else {
            Issue.record("accepted")
            return
        }
        guard case .invalid = MongoWire.frameStatus(Self.le(12)) else {
            Issue.record("accepted")
            return
        }
        // Within MongoDB's maximum but above what the ping reads.
        guard case .invalid(let over) = MongoWire.frameStatus(Self.le(2_000_000), limit: 1 << 20) else {
            Issue.record("accepted")
            return
        }
        #expect(over.contains("a ping reads"))
        // PostgreSQL's 'R' + big-endian length, read little-endian, is negative.
        guard case .invalid = MongoWire.frameStatus([0x52, 0x7F, 0xFF, 0xFF]) else {
            Issue.record("accepted")
            return
        }
    }

    @Test func unknownOpcodesAreRefusedOnceTheHeaderIsIn() {
        let header = Self.le(1000) + Self.le(1) + Self.le(1) + Self.le(2010)
        guard case .invalid(let reason) = MongoWire.frameStatus(header) else {
            Issue.record("accepted")
            return
        }
        #expect(reason.contains("2010"))
    }

    @Test(arguments: [
        ("no body section", le(21) + le(1) + le(1) + le(2013) + [0, 0, 0, 0, 1]),
        ("unknown required flag", le(26) + le(1) + le(1) + le(2013) + [4, 0, 0, 0, 0, 5, 0, 0, 0, 0]),
        ("unknown section kind", le(26) + le(1) + le(1) + le(2013) + [0, 0, 0, 0, 9, 5, 0, 0, 0, 0]),
        ("bad BSON body", le(26) + le(1) + le(1) + le(2013) + [0, 0, 0, 0, 0, 9, 0, 0, 0, 0]),
        ("compressed", le(26) + le(1) + le(1) + le(2012) + [0, 0, 0, 0, 0, 5, 0, 0, 0, 0]),
        ("OP_REPLY without documents", le(36) + le(1) + le(1) + le(1) + [UInt8](repeating: 0, count: 20)),
        ("length mismatch", le(40) + le(1) + le(1) + le(2013) + [0, 0, 0, 0, 0, 5, 0, 0, 0, 0]),
    ])
    func malformedRepliesAreRefused(_ name: String, _ frame: [UInt8]) {
        #expect(throws: MongoWireError.self, "\(name)") { try MongoWire.decodeReply(frame) }
    }

    @Test func commandErrorsAreRead() {
        let error = MongoCommandError.from([
            "ok": 0.0, "errmsg": "Authentication failed.", "code": 18, "codeName": "AuthenticationFailed",
        ])
        #expect(
            error == MongoCommandError(code: 18, codeName: "AuthenticationFailed", message: "Authentication failed."))
        #expect(error?.description == "Authentication failed. (code 18 AuthenticationFailed)")
        #expect(MongoCommandError.from(["$err": "not master", "code": 10107])?.code == 10107)
        #expect(MongoCommandError.from(["ok": true]) == nil)
        #expect(MongoCommandError.from([:])?.message == "the command failed without a message")
    }
}
