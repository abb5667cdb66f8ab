import PreflightMongo
import PreflightNetwork
import Testing

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
}
