import Foundation
import PreflightMongo
import PreflightTestSupport
import Testing

/// `FakeMongoServer` decodes what it receives with our own BSON code, so its acceptance proves nothing
/// about our encoder. These tests hand every message it recorded to pymongo's `bson`
/// (`scripts/peers/verify.py mongo`) and check what that independent decoder read.
extension MongoProbeTests {
    /// The messages `server` recorded, as pymongo's `bson` decodes them (all must decode).
    func independentlyDecoded(_ server: FakeMongoServer, sourceLocation: SourceLocation = #_sourceLocation)
        async throws -> [[String: Any]]
    {
        let frames = server.frames
        try #require(!frames.isEmpty, "no message was recorded", sourceLocation: sourceLocation)
        let results = try await IndependentVerifier.run(
            .mongo, ["streams": frames.map { Data($0).base64EncodedString() }])
        #expect(results.count == frames.count, sourceLocation: sourceLocation)
        for result in results {
            #expect(result["ok"] as? Bool == true, "\(result["problem"] ?? "")", sourceLocation: sourceLocation)
        }
        return results
    }

    @Test func opMsgAndSCRAMCommandsDecodeWithPymongo() async throws {
        let server = try await FakeMongoServer { command, _ in
            switch command.keys.first ?? "" {
            case "saslStart": return FakeMongoServer.saslStartReply(to: command)
            case "saslContinue": return ["ok": 0.0, "errmsg": "Authentication failed.", "code": 18]
            case "hello", "isMaster", "ismaster":
                var hello = FakeMongoServer.hello()
                hello["saslSupportedMechs"] = ["SCRAM-SHA-256", "SCRAM-SHA-1"]
                return hello
            default: return FakeMongoServer.healthy(command, hello: FakeMongoServer.hello())
            }
        }
        defer { Task { await server.shutdown() } }
        let outcome = try await run([
            "host": "mongodb://127.0.0.1:\(server.port)/?authSource=admin", "user": "loader",
            "password": "pencil-Secret-1",
        ])
        #expect(outcome.failure?.category == .auth, "\(outcome.failure?.message ?? "")")
        let decoded = try await independentlyDecoded(server)
        #expect(decoded.map { $0["opCode"] as? Int } == Array(repeating: 2013, count: decoded.count))
        // The fake's own log, read later, may only have grown.
        #expect(decoded.compactMap { $0["command"] as? String } == Array(server.commands.prefix(decoded.count)))
        let hello = try #require(decoded.first?["document"] as? [String: Any])
        #expect(hello["saslSupportedMechs"] as? String == "admin.loader", "\(hello)")
        let start = try #require(decoded.first { $0["command"] as? String == "saslStart" })
        let document = try #require(start["document"] as? [String: Any])
        #expect(document["mechanism"] as? String == "SCRAM-SHA-256")
        #expect(document["$db"] as? String == "admin")
        let payload = try #require((document["payload"] as? [String: Any])?["$binary"] as? [String: Any])
        #expect(payload["subType"] as? String == "00")
        let text = String(decoding: Data(base64Encoded: payload["base64"] as? String ?? "") ?? Data(), as: UTF8.self)
        #expect(text.hasPrefix("n,,n=loader,r="), "\(text)")
        let next = try #require(decoded.first { $0["command"] as? String == "saslContinue" })
        #expect((next["document"] as? [String: Any])?["conversationId"] != nil)

        // The same decoder refuses a message whose document length was spoiled after the fact.
        var spoiled = try #require(server.frames.first)
        spoiled[21] &+= 1
        let refused = try await IndependentVerifier.run(.mongo, ["streams": [Data(spoiled).base64EncodedString()]])
        #expect(refused.first?["ok"] as? Bool == false, "\(refused)")
    }

    @Test func opQueryDecodesWithPymongo() async throws {
        let server = try await FakeMongoServer { command, opCode in
            guard opCode == 2004 else { return nil }  // a 3.4 server drops OP_MSG
            if command.keys.first == "buildInfo" { return ["version": "3.4.24", "ok": 1.0] }
            return FakeMongoServer.healthy(
                command, hello: FakeMongoServer.hello(primary: true, setName: "rs0", hosts: [], wire: 5))
        }
        defer { Task { await server.shutdown() } }
        let outcome = try await run(["host": "mongodb://127.0.0.1:\(server.port)"])
        #expect(outcome.failure == nil, "\(outcome.failure?.message ?? "")")
        let decoded = try await independentlyDecoded(server)
        let queries = decoded.filter { $0["opCode"] as? Int == 2004 }
        #expect(!queries.isEmpty)
        #expect(queries.allSatisfy { ($0["collection"] as? String)?.hasSuffix(".$cmd") == true }, "\(queries)")
        #expect(queries.compactMap { $0["command"] as? String }.contains("buildInfo"))
    }
}
