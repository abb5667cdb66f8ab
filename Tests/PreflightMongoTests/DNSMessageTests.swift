import PreflightMongo
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
        let seeds = try MongoSRV.seeds(from: message, srvHost: "cluster0.example.net")
        #expect(
            seeds.map(\.description) == [
                "shard-00-00.cluster0.example.net:27017", "shard-00-01.cluster0.example.net:27018",
            ])
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
        #expect(
            try MongoSRV.options(from: message, srvHost: "c.example") == [
                "authSource": "admin", "replicaSet": "atlas-x",
            ])
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

@Suite struct MongoSRVRulesTests {
    func answer(_ targets: [(String, UInt16)], rcode: UInt8 = 0) -> DNSMessage {
        DNSMessage(
            id: 1, isResponse: true, responseCode: rcode, questions: [("_mongodb._tcp.cluster0.example.net", .srv)],
            answers: targets.map {
                DNSResourceRecord(
                    name: "_mongodb._tcp.cluster0.example.net", type: .srv,
                    data: .srv(DNSSRVRecord(priority: 0, weight: 0, port: $0.1, target: $0.0)))
            })
    }

    @Test func targetsMustShareTheParentDomain() throws {
        #expect(throws: DNSError.self) {
            try MongoSRV.seeds(from: answer([("evil.attacker.com", 27017)]), srvHost: "cluster0.example.net")
        }
        #expect(throws: DNSError.self) {
            try MongoSRV.seeds(from: answer([("example.net", 27017)]), srvHost: "cluster0.example.net")
        }
        #expect(throws: DNSError.self) {
            try MongoSRV.seeds(from: answer([("xexample.net", 27017)]), srvHost: "cluster0.example.net")
        }
        let seeds = try MongoSRV.seeds(
            from: answer([("a.example.net.", 27017), ("A.EXAMPLE.NET", 27017), ("b.cluster0.example.net", 1)]),
            srvHost: "cluster0.example.net")
        #expect(seeds.map(\.description) == ["a.example.net:27017", "b.cluster0.example.net:1"])
    }

    @Test func shortSRVNamesNeedDeeperTargets() throws {
        #expect(try MongoSRV.seeds(from: answer([("db.localhost", 27017)]), srvHost: "localhost").count == 1)
        #expect(throws: DNSError.self) {
            try MongoSRV.seeds(from: answer([("localhost", 27017)]), srvHost: "localhost")
        }
        #expect(try MongoSRV.seeds(from: answer([("a.mongo.local", 27017)]), srvHost: "mongo.local").count == 1)
        #expect(throws: DNSError.self) {
            try MongoSRV.seeds(from: answer([("a.other.local", 27017)]), srvHost: "mongo.local")
        }
    }

    @Test func noRecordsNamesTheReason() {
        do {
            _ = try MongoSRV.seeds(from: answer([], rcode: 3), srvHost: "cluster0.example.net")
            Issue.record("accepted an empty answer")
        } catch {
            #expect(error.reason.contains("NXDOMAIN"))
        }
        #expect(throws: DNSError.self) { try MongoSRV.seeds(from: answer([]), srvHost: "cluster0.example.net") }
    }

    func txt(_ records: [String]) -> DNSMessage {
        DNSMessage(
            id: 1, isResponse: true, questions: [("c.example.net", .txt)],
            answers: records.map { DNSResourceRecord(name: "c.example.net", type: .txt, data: .txt([Array($0.utf8)])) })
    }

    @Test func txtRules() throws {
        #expect(try MongoSRV.options(from: txt([]), srvHost: "c.example.net") == [:])
        #expect(
            try MongoSRV.options(from: txt(["loadBalanced=true&authsource=admin"]), srvHost: "c.example.net") == [
                "loadBalanced": "true", "authSource": "admin",
            ])
        #expect(throws: DNSError.self) {
            try MongoSRV.options(from: txt(["authSource=a", "replicaSet=b"]), srvHost: "c.example.net")
        }
        #expect(throws: DNSError.self) { try MongoSRV.options(from: txt(["tls=false"]), srvHost: "c.example.net") }
        #expect(throws: DNSError.self) {
            try MongoSRV.options(from: txt(["loadBalanced=maybe"]), srvHost: "c.example.net")
        }
        #expect(throws: DNSError.self) { try MongoSRV.options(from: txt(["garbage"]), srvHost: "c.example.net") }
    }

    @Test func resolvConfParsing() {
        let configuration = DNSResolverConfiguration.parse(
            resolvConf: """
                # comment
                search example.com
                nameserver 10.255.255.53
                nameserver fe80::1%eth0 ; trailing comment
                nameserver not-an-ip
                nameserver 10.255.255.53
                options ndots:2 timeout:3 attempts:4
                """)
        #expect(configuration.nameservers == ["10.255.255.53", "fe80::1"])
        #expect(configuration.timeout == .seconds(3))
        #expect(configuration.attempts == 4)
        #expect(DNSResolverConfiguration.parse(resolvConf: "").nameservers == ["127.0.0.1"])
    }
}
