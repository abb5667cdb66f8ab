import PreflightMongo
import Testing

@Suite struct BSONTests {
    @Test func encodesTheSpecExampleHelloWorld() {
        // bsonspec.org: {"hello": "world"}
        let document: BSONDocument = ["hello": "world"]
        #expect(
            document.encoded() == [
                0x16, 0x00, 0x00, 0x00, 0x02, 0x68, 0x65, 0x6C, 0x6C, 0x6F, 0x00, 0x06, 0x00, 0x00, 0x00,
                0x77, 0x6F, 0x72, 0x6C, 0x64, 0x00, 0x00,
            ])
    }

    @Test func encodesTheSpecExampleArray() throws {
        // bsonspec.org: {"BSON": ["awesome", 5.05, 1986]}
        let document: BSONDocument = ["BSON": ["awesome", 5.05, 1986]]
        let expected: [UInt8] = [
            0x31, 0x00, 0x00, 0x00, 0x04, 0x42, 0x53, 0x4F, 0x4E, 0x00, 0x26, 0x00, 0x00, 0x00, 0x02, 0x30, 0x00, 0x08,
            0x00,
            0x00, 0x00, 0x61, 0x77, 0x65, 0x73, 0x6F, 0x6D, 0x65, 0x00, 0x01, 0x31, 0x00, 0x33, 0x33, 0x33, 0x33, 0x33,
            0x33,
            0x14, 0x40, 0x10, 0x32, 0x00, 0xC2, 0x07, 0x00, 0x00, 0x00, 0x00,
        ]
        #expect(document.encoded() == expected)
        #expect(try BSONDocument.decode(expected) == document)
    }

    @Test func roundTripsEveryType() throws {
        let document: BSONDocument = [
            "double": .double(-2.5), "string": "héllo", "doc": ["a": 1, "b": ["nested": true]],
            "array": [1, "two", .null],
            "binary": .binary(subtype: 0, bytes: [1, 2, 3]),
            "uuid": .binary(subtype: 4, bytes: Array(repeating: 7, count: 16)),
            "undefined": .undefined, "oid": .objectId(Array(0..<12)), "true": true, "false": false,
            "date": .datetime(1_700_000_000_123), "null": .null, "regex": .regex(pattern: "^a.*", options: "im"),
            "pointer": .dbPointer(namespace: "db.c", id: Array(repeating: 9, count: 12)), "code": .javascript("f()"),
            "symbol": .symbol("s"), "scoped": .javascriptWithScope(code: "x", scope: ["x": 1]), "int32": .int32(-7),
            "ts": .timestamp(seconds: 1_795_773_687, increment: 4), "int64": .int64(1 << 40),
            "decimal": .decimal128(Array(repeating: 1, count: 16)), "min": .minKey, "max": .maxKey,
        ]
        #expect(try BSONDocument.decode(document.encoded()) == document)
    }

    @Test func integerLiteralsPickTheirWidth() {
        #expect(BSONValue(integerLiteral: 5) == .int32(5))
        #expect(BSONValue(integerLiteral: 1 << 40) == .int64(1 << 40))
    }

    @Test func timestampWritesIncrementFirst() {
        let document: BSONDocument = ["t": .timestamp(seconds: 2, increment: 1)]
        #expect(Array(document.encoded()[7..<15]) == [1, 0, 0, 0, 2, 0, 0, 0])
    }

    @Test func keepsTheOrderOfKeys() throws {
        let command: BSONDocument = ["saslStart": 1, "mechanism": "SCRAM-SHA-256", "$db": "admin"]
        #expect(try BSONDocument.decode(command.encoded()).keys == ["saslStart", "mechanism", "$db"])
    }

    @Test func readsFlagsLeniently() {
        #expect(BSONValue.double(1).boolValue == true)
        #expect(BSONValue.int32(0).boolValue == false)
        #expect(BSONValue.bool(true).boolValue == true)
        #expect(BSONValue.string("1").boolValue == nil)
        #expect(BSONValue.double(3).intValue == 3)
        #expect(BSONValue.double(3.5).intValue == nil)
        #expect(BSONValue.int64(9).intValue == 9)
    }

    @Test func subscriptSetsReplacesAndRemoves() {
        var document: BSONDocument = ["a": 1]
        document["b"] = "x"
        document["a"] = 2
        #expect(document.keys == ["a", "b"])
        #expect(document["a"] == .int32(2))
        document["a"] = nil
        #expect(document.keys == ["b"])
    }

    @Test(arguments: [
        ("too short", [UInt8]([4, 0, 0, 0])),
        ("length beyond the bytes", [0x10, 0, 0, 0, 0]),
        ("no terminating NUL", [5, 0, 0, 0, 1]),
        ("unknown type", [0x0C, 0, 0, 0, 0x42, 0x61, 0, 0, 0, 0, 0, 0]),
        ("string length beyond the document", [0x0E, 0, 0, 0, 2, 0x61, 0, 0xFF, 0, 0, 0, 0x61, 0, 0]),
        ("negative string length", [0x0E, 0, 0, 0, 2, 0x61, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x61, 0, 0]),
        ("boolean byte 2", [0x09, 0, 0, 0, 8, 0x61, 0, 2, 0]),
        ("trailing bytes", [5, 0, 0, 0, 0, 0]),
        ("key without NUL", [0x08, 0, 0, 0, 0x10, 0x61, 0x62, 0x63]),
    ])
    func rejectsMalformedDocuments(_ name: String, _ bytes: [UInt8]) {
        #expect(throws: BSONError.self, "\(name)") { try BSONDocument.decode(bytes) }
    }

    @Test func rejectsAbsurdNesting() {
        var value: BSONValue = 1
        for _ in 0..<200 { value = .document(["d": value]) }
        let document: BSONDocument = ["root": value]
        #expect(throws: BSONError.self) { try BSONDocument.decode(document.encoded()) }
    }
}
