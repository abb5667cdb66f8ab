import PreflightRedis
import Testing

/// The bounded RESP2/RESP3 decoder, without I/O.
struct RESPDecoderTests {
    func decode(_ text: String, limits: RESPLimits = .ping) throws -> (value: RESPValue, next: Int)? {
        try RESPDecoder.decode(Array(text.utf8), limits: limits)
    }

    func value(_ text: String) throws -> RESPValue? { try decode(text)?.value }

    @Test func scalars() throws {
        #expect(try value("+PONG\r\n") == .simpleString("PONG"))
        #expect(
            try value("-WRONGPASS invalid username-password pair\r\n")
                == .error("WRONGPASS invalid username-password pair"))
        #expect(try value(":-42\r\n") == .integer(-42))
        #expect(try value("$5\r\nhello\r\n") == .bulkString(Array("hello".utf8)))
        #expect(try value("$0\r\n\r\n") == .bulkString([]))
        #expect(try value("$-1\r\n") == .null)
        #expect(try value("*-1\r\n") == .null)
        #expect(try value("_\r\n") == .null)
        #expect(try value("#t\r\n") == .boolean(true))
        #expect(try value(",3.14\r\n") == .double("3.14"))
        #expect(try value(",-inf\r\n") == .double("-inf"))
        #expect(
            try value("(3492890328409238509324850943850943825024385\r\n")
                == .bigNumber("3492890328409238509324850943850943825024385"))
        #expect(try value("!21\r\nSYNTAX invalid syntax\r\n") == .error("SYNTAX invalid syntax"))
        #expect(try value("=15\r\ntxt:Some string\r\n") == .verbatim(format: "txt", text: Array("Some string".utf8)))
    }

    @Test func bulkStringsAreBinarySafe() throws {
        let bytes: [UInt8] = Array("$4\r\n".utf8) + [0x0d, 0x0a, 0x00, 0xff] + [0x0d, 0x0a]
        #expect(try RESPDecoder.decode(bytes)?.value == .bulkString([0x0d, 0x0a, 0x00, 0xff]))
    }

    @Test func helloMapFromRedis7() throws {
        let reply =
            "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:5\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
        let decoded = try #require(try decode(reply))
        #expect(decoded.next == reply.utf8.count)
        let info = try #require(RedisServerInfo.fromHello(decoded.value))
        #expect(
            info
                == RedisServerInfo(
                    server: "redis", version: "7.0.15", mode: "standalone", role: "master", protocolVersion: 3))
        #expect(info.description == "Redis 7.0.15 (standalone, master), RESP3")
    }

    @Test func aggregatesAndAttributes() throws {
        #expect(try value("*2\r\n:1\r\n*1\r\n+a\r\n") == .array([.integer(1), .array([.simpleString("a")])]))
        #expect(try value("~2\r\n+a\r\n+b\r\n") == .set([.simpleString("a"), .simpleString("b")]))
        #expect(try value(">2\r\n+invalidate\r\n_\r\n") == .push([.simpleString("invalidate"), .null]))
        // An attribute is dropped; the value it annotates is returned.
        #expect(try value("|1\r\n+ttl\r\n:3600\r\n+OK\r\n") == .simpleString("OK"))
    }

    @Test func incompleteInputAsksForMore() throws {
        let full = "*2\r\n$5\r\nhello\r\n:7\r\n"
        let bytes = Array(full.utf8)
        for cut in 0..<bytes.count {
            #expect(try RESPDecoder.decode(Array(bytes.prefix(cut))) == nil, "prefix of \(cut) bytes")
        }
        #expect(try decode(full)?.value == .array([.bulkString(Array("hello".utf8)), .integer(7)]))
        // Two replies in one read: the first, and where the second begins.
        let two = try #require(try decode("+OK\r\n+PONG\r\n"))
        #expect(two.value == .simpleString("OK"))
        #expect(two.next == 5)
        #expect(try RESPDecoder.decode(Array("+OK\r\n+PONG\r\n".utf8), from: 5)?.value == .simpleString("PONG"))
    }

    @Test func hugeBulkLengthIsRefusedBeforeAnyBody() throws {
        #expect(throws: RESPProtocolError.bulkTooLarge(announced: 999_999_999, limit: RESPLimits.ping.maxBulkLength)) {
            try decode("$999999999\r\n")
        }
        #expect(throws: RESPProtocolError.self) { try decode("$99999999999999999999999\r\n") }
        #expect(throws: RESPProtocolError.tooManyElements(announced: 10_000_000, limit: 4096)) {
            try decode("*10000000\r\n")
        }
        #expect(throws: RESPProtocolError.tooManyElements(announced: 10_000_000, limit: 4096)) {
            try decode("%10000000\r\n")
        }
    }

    @Test func deepNestingIsRefused() throws {
        let deep = String(repeating: "*1\r\n", count: 100) + ":1\r\n"
        #expect(throws: RESPProtocolError.tooDeep(limit: 8)) { try decode(deep) }
        let ok = String(repeating: "*1\r\n", count: 8) + ":1\r\n"
        #expect(try decode(ok) != nil)
    }

    @Test func garbageIsRefusedAtTheFirstByte() throws {
        #expect(throws: RESPProtocolError.unknownType(UInt8(ascii: "S"))) { try decode("SSH-2.0-OpenSSH_9.2") }
        #expect(throws: RESPProtocolError.unknownType(UInt8(ascii: "H"))) { try decode("H") }
        #expect(throws: RESPProtocolError.unknownType(0x16)) { try RESPDecoder.decode([0x16, 0x03, 0x01]) }
        #expect(throws: RESPProtocolError.malformed("integer")) { try decode(":12x\r\n") }
        #expect(throws: RESPProtocolError.malformed("bulk length")) { try decode("$-5\r\n") }
        #expect(throws: RESPProtocolError.malformed("boolean")) { try decode("#x\r\n") }
        #expect(throws: RESPProtocolError.self) { try decode("$3\r\nabcXY") }
        #expect(throws: RESPProtocolError.self) { try decode("+OK\n") }
    }

    @Test func endlessLineIsRefused() throws {
        let limits = RESPLimits(maxLineLength: 64)
        #expect(throws: RESPProtocolError.lineTooLong(limit: 64)) {
            try decode("+" + String(repeating: "a", count: 200), limits: limits)
        }
        #expect(try decode("+" + String(repeating: "a", count: 60), limits: limits) == nil)
    }

    @Test func encodesCommandsAsBulkArrays() {
        #expect(
            RESPEncoder.command(["HELLO", "3", "AUTH", "u", "p w"])
                == Array("*5\r\n$5\r\nHELLO\r\n$1\r\n3\r\n$4\r\nAUTH\r\n$1\r\nu\r\n$3\r\np w\r\n".utf8))
        #expect(RESPEncoder.command(["PING"]) == Array("*1\r\n$4\r\nPING\r\n".utf8))
        // What the encoder writes, the decoder reads back.
        let encoded = RESPEncoder.command(["SELECT", "π"])
        #expect(
            try! RESPDecoder.decode(encoded)?.value
                == .array([.bulkString(Array("SELECT".utf8)), .bulkString(Array("π".utf8))]))
    }
}
