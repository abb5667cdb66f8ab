import PreflightNetwork
import Testing

@Suite struct DNSMessageTests {
    @Test func buildsAStandardQuery() throws {
        let query = try DNSMessage.query(id: 0xBEEF, name: "_mongodb._tcp.cluster0.example.net", type: .srv)
        #expect(Array(query[0..<12]) == [0xBE, 0xEF, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])
        let name: [UInt8] =
            [8] + Array("_mongodb".utf8) + [4] + Array("_tcp".utf8) + [8] + Array("cluster0".utf8)
            + [7] + Array("example".utf8) + [3] + Array("net".utf8) + [0]
        #expect(Array(query[12..<(12 + name.count)]) == name)
        #expect(Array(query[(12 + name.count)...]) == [0, 33, 0, 1])
    }

    @Test func refusesBadNames() {
        #expect(throws: DNSError.self) { try DNSMessage.query(id: 1, name: "a..b", type: .txt) }
        #expect(throws: DNSError.self) {
            try DNSMessage.query(id: 1, name: String(repeating: "x", count: 64) + ".com", type: .txt)
        }
        #expect(throws: DNSError.self) {
            try DNSMessage.query(
                id: 1, name: Array(repeating: "abcdefghi", count: 30).joined(separator: "."), type: .txt)
        }
    }

    /// A hand-built answer as a real resolver sends it: the question, then two SRV records whose names and
    /// targets use compression pointers into the question.
    static let compressedSRVAnswer: [UInt8] = {
        var bytes: [UInt8] = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0]
        // offset 12: _mongodb._tcp.cluster0.example.net
        bytes += [8] + Array("_mongodb".utf8) + [4] + Array("_tcp".utf8)
        // offset 12 + 14 = 26: cluster0.example.net
        bytes += [8] + Array("cluster0".utf8) + [7] + Array("example".utf8) + [3] + Array("net".utf8) + [0]
        bytes += [0, 33, 0, 1]
        for (index, port) in [(0, 27017), (1, 27018)] {
            bytes += [0xC0, 12]  // name: pointer to the question
            bytes += [0, 33, 0, 1, 0, 0, 0x0E, 0x10]  // SRV, IN, TTL 3600
            let label: [UInt8] = Array("shard-00-0\(index)".utf8)
            bytes += [0, UInt8(6 + 1 + label.count + 2)]  // rdlength
            bytes += [0, 0, 0, 0, UInt8(port >> 8), UInt8(port & 0xFF)]
            bytes += [UInt8(label.count)] + label + [0xC0, 26]  // target: label + pointer to cluster0.example.net
        }
        return bytes
    }()

    @Test func readsCompressedSRVRecords() throws {
        let message = try DNSMessage.decode(Self.compressedSRVAnswer)
        #expect(message.id == 0x1234)
        #expect(message.isResponse)
        #expect(!message.truncated)
        #expect(message.responseCode == 0)
        #expect(message.questions.first?.name == "_mongodb._tcp.cluster0.example.net")
        #expect(message.answers.count == 2)
        #expect(message.answers[0].name == "_mongodb._tcp.cluster0.example.net")
        #expect(
            message.answers[0].data
                == .srv(DNSSRVRecord(priority: 0, weight: 0, port: 27017, target: "shard-00-00.cluster0.example.net")))
        #expect(
            message.answers[1].data
                == .srv(DNSSRVRecord(priority: 0, weight: 0, port: 27018, target: "shard-00-01.cluster0.example.net")))
    }

    @Test func readsTXTRecordsOfSeveralStrings() throws {
        var bytes: [UInt8] = [0, 7, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]
        bytes += [1, UInt8(ascii: "c"), 7] + Array("example".utf8) + [0, 0, 16, 0, 1]
        let first: [UInt8] = Array("authSource=admin&".utf8)
        let second: [UInt8] = Array("replicaSet=atlas-x".utf8)
        bytes += [0xC0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, UInt8(2 + first.count + second.count)]
        bytes += [UInt8(first.count)] + first + [UInt8(second.count)] + second
        let message = try DNSMessage.decode(bytes)
        #expect(message.answers.first?.data == .txt([first, second]))
    }

    @Test func roundTripsThroughTheEncoder() throws {
        let message = DNSMessage(
            id: 9, isResponse: true, truncated: true, responseCode: 3, questions: [("a.example", .srv)],
            answers: [
                DNSResourceRecord(
                    name: "a.example", type: .srv,
                    data: .srv(DNSSRVRecord(priority: 1, weight: 2, port: 3, target: "b.a.example"))),
                DNSResourceRecord(name: "a.example", type: .txt, data: .txt([Array("x=y".utf8)])),
                DNSResourceRecord(name: "a.example", type: .cname, data: .cname("c.example")),
                DNSResourceRecord(name: "a.example", type: .a, data: .other([127, 0, 0, 1])),
            ])
        #expect(try DNSMessage.decode(message.encode()) == message)
    }

    @Test(arguments: [
        ("short header", [UInt8]([0, 1, 0x81])),
        ("pointer loop", [0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 33, 0, 1]),
        ("forward pointer", [0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 20, 0, 33, 0, 1, 0, 0, 0, 0]),
        ("label past the end", [0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 9, 0x61]),
        ("reserved label bits", [0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 0x61, 0]),
        ("answer count without answers", [0, 1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0]),
        ("rdata past the end", [0, 1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 16, 0, 1, 0, 0, 0, 1, 0, 50, 1, 0x61]),
        ("SRV too short", [0, 1, 0x81, 0x80, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 33, 0, 1, 0, 0, 0, 1, 0, 2, 0, 0]),
    ])
    func rejectsMalformedMessages(_ name: String, _ bytes: [UInt8]) {
        #expect(throws: DNSError.self, "\(name)") { try DNSMessage.decode(bytes) }
    }

    @Test func aLongPointerChainEndsWithinTheNameLimit() {
        // The first answer's data holds 130 one-byte labels, each pointing back at the one before; the
        // second answer's name points at the last: a name longer than 255 bytes, which must be refused.
        var bytes: [UInt8] = [0, 1, 0x81, 0x80, 0, 0, 0, 2, 0, 0, 0, 0]
        var chain: [UInt8] = []
        let dataStart = 12 + 1 + 10
        var previous = -1
        for _ in 0..<130 {
            let offset = dataStart + chain.count
            chain += [1, 0x61]
            chain += previous < 0 ? [0] : [0xC0 | UInt8(previous >> 8), UInt8(previous & 0xFF)]
            previous = offset
        }
        bytes += [0, 0, 99, 0, 1, 0, 0, 0, 1, UInt8(chain.count >> 8), UInt8(chain.count & 0xFF)]
        #expect(bytes.count == dataStart)
        bytes += chain
        bytes += [0xC0 | UInt8(previous >> 8), UInt8(previous & 0xFF), 0, 16, 0, 1, 0, 0, 0, 1, 0, 0]
        #expect(throws: DNSError.self) { try DNSMessage.decode(bytes) }
    }
}

/// Replies a resolver must not believe, and the addresses it takes from an answer. No I/O.
@Suite struct DNSReplyCheckTests {
    func reply(id: UInt16 = 7, name: String = "db.example.com", type: DNSRecordType = .a, response: Bool = true)
        throws -> [UInt8]
    {
        try DNSMessage(
            id: id, isResponse: response, questions: [(name, type)],
            answers: [DNSResourceRecord(name: name, type: .a, data: .other([10, 0, 0, 1]))]
        ).encode()
    }

    @Test func onlyTheReplyToOurQueryIsAccepted() throws {
        let question = (name: "db.example.com", type: DNSRecordType.a)
        #expect(DNSClient.isReply(try reply(), id: 7, question: question) != nil)
        #expect(DNSClient.isReply(try reply(name: "DB.Example.COM"), id: 7, question: question) != nil)
        #expect(DNSClient.isReply(try reply(id: 8), id: 7, question: question) == nil, "another id")
        #expect(DNSClient.isReply(try reply(name: "evil.example"), id: 7, question: question) == nil, "another name")
        #expect(DNSClient.isReply(try reply(type: .aaaa), id: 7, question: question) == nil, "another type")
        #expect(DNSClient.isReply(try reply(response: false), id: 7, question: question) == nil, "a query")
        let noQuestion = try DNSMessage(id: 7, isResponse: true, questions: []).encode()
        #expect(DNSClient.isReply(noQuestion, id: 7, question: question) == nil, "no question")
        #expect(DNSClient.isReply([0, 7, 0x81], id: 7, question: question) == nil, "garbage")
    }

    @Test func hugeCountsInATinyMessageAreRefused() {
        // 65535 questions, answers, authority and additional records announced; none present.
        let bytes: [UInt8] = [0, 1, 0x81, 0x80, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        #expect(throws: DNSError.self) { try DNSMessage.decode(bytes) }
        // One real question, then 65535 answers announced but only one present.
        var one = try! DNSMessage(id: 1, isResponse: true, questions: [("a.test", .a)]).encode()
        one[6] = 0xFF
        one[7] = 0xFF
        one += [0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1]
        #expect(throws: DNSError.self) { try DNSMessage.decode(one) }
    }

    @Test func addressesFollowTheCNAMEChainAndSurviveALoop() {
        let chain = DNSMessage(
            id: 1, isResponse: true, questions: [("www.example.com", .aaaa)],
            answers: [
                DNSResourceRecord(name: "www.example.com", type: .cname, data: .cname("edge.example.net")),
                DNSResourceRecord(
                    name: "Edge.Example.NET", type: .aaaa, data: .other(Array(repeating: 0, count: 15) + [1])),
                DNSResourceRecord(name: "edge.example.net", type: .aaaa, data: .other([1, 2, 3, 4])),  // wrong size
                DNSResourceRecord(name: "www.example.com", type: .aaaa, data: .other(Array(repeating: 9, count: 16))),
            ])
        #expect(HostResolver.addresses(in: chain, for: "www.example.com", type: .aaaa).map(\.description) == ["::1"])
        let loop = DNSMessage(
            id: 1, isResponse: true, questions: [("a.test", .a)],
            answers: [
                DNSResourceRecord(name: "a.test", type: .cname, data: .cname("b.test")),
                DNSResourceRecord(name: "b.test", type: .cname, data: .cname("a.test")),
                DNSResourceRecord(name: "a.test", type: .a, data: .other([10, 0, 0, 1])),
            ])
        // The loop is cut after 16 links; whichever name it stops at, the lookup ends.
        #expect(HostResolver.addresses(in: loop, for: "a.test", type: .a).count <= 1)
    }
}
