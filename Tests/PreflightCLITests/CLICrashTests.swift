import Foundation
import PreflightTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `kill -9` of `preflight serve` while clients create SSH tunnels and rotate their keys loses no
/// acknowledged write, on SQLite and on PostgreSQL: after each crash the server restarts on the same
/// store, and every tunnel whose creation got a 2xx is there with the last key acknowledged for it
/// (or, if a rotation was cut off unanswered, possibly that rotation's key), and at the end every
/// tunnel's sealed private key still opens (a ping through it reaches the SSH step).
@Suite("kill -9 of preflight serve loses no acknowledged write")
struct CLICrashTests {
    /// Crashes per store.
    static let rounds = 5
    /// Concurrent clients, each creating a tunnel and rotating its key twice, over and over.
    static let clients = 6
    /// Acknowledged writes per round before the kill.
    static let writesPerRound = 40

    @Test func theLedgerCatchesALostOrStaleWrite() {
        let rotated = WriteLedger.Tunnel(keys: ["k0", "k1", "k2"])
        #expect(WriteLedger.contradiction(rotated, stored: "k2") == nil)
        #expect(WriteLedger.contradiction(rotated, stored: nil) != nil, "a lost creation passed")
        #expect(WriteLedger.contradiction(rotated, stored: "k1") != nil, "a lost rotation passed")
        #expect(WriteLedger.contradiction(rotated, stored: "k9") != nil, "an unacknowledged key passed")
        let pending = WriteLedger.Tunnel(keys: ["k0", "k1"], unanswered: true)
        #expect(WriteLedger.contradiction(pending, stored: "k9") == nil, "a cut-off rotation may have committed")
        #expect(WriteLedger.contradiction(pending, stored: "k0") != nil, "a lost rotation passed")
    }

    @Test func sqlite() async throws {
        let directory = try CLI.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let summary = try await Self.crashAndRestart(
            store: "sqlite:\(directory.path)/p.sqlite", masterKeyFile: "\(directory.path)/k.key")
        #expect(summary.kills == Self.rounds)
    }

    @Test func postgres() async throws {
        guard let database = try ScratchPostgresDatabase.create() else {
            #expect(!TestEnvironment.requireIntegration, "PREFLIGHT_TEST_PG_HOST/PORT/SUPERUSER not set")
            return
        }
        defer { database.drop() }
        let directory = try CLI.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let summary = try await Self.crashAndRestart(
            store: database.url, masterKeyFile: "\(directory.path)/k.key")
        #expect(summary.kills == Self.rounds)
    }

    struct Summary {
        var kills = 0
        /// Writes acknowledged over all rounds, each checked after every later restart.
        var acknowledged = 0
        var tunnels = 0
        /// Requests the kill cut off (sent, never answered).
        var cutOff = 0
    }

    static func crashAndRestart(store: String, masterKeyFile: String) async throws -> Summary {
        let options = ["--store", store, "--master-key-file", masterKeyFile, "--allow-loopback"]
        let ledger = WriteLedger()
        let bastionPort = closedPort()
        var key: String?
        var summary = Summary()
        for round in 1...rounds {
            let serve = try await ServeProcess.start(options)
            if key == nil { key = serve.bootstrapKey }
            let apiKey = try #require(key, "no bootstrap key printed: \(serve.stdout)")
            try await verify(ledger, serve: serve, key: apiKey, after: "crash \(round - 1)")

            let target = ledger.acknowledged + writesPerRound
            let stop = StopFlag()
            let workers = (0..<clients).map { client in
                Task {
                    await Self.writeUntilCutOff(
                        serve.baseURL, key: apiKey, name: "r\(round)-c\(client)", bastionPort: bastionPort,
                        ledger: ledger, stop: stop)
                }
            }
            let reached = await eventually(within: .seconds(180)) { ledger.acknowledged >= target }
            serve.send(SIGKILL)
            stop.set()
            for worker in workers where await worker.value { summary.cutOff += 1 }
            let code = await serve.waitForExit()
            #expect(reached, "only \(ledger.acknowledged) writes acknowledged before the kill: \(serve.stderr)")
            #expect(code == 128 + SIGKILL, "serve ended with \(code), not by the kill")
            summary.kills += 1
        }
        let serve = try await ServeProcess.start(options)
        let apiKey = try #require(key)
        try await verify(ledger, serve: serve, key: apiKey, after: "crash \(rounds)")
        try await verifyKeysOpen(ledger, serve: serve, key: apiKey)
        serve.send(SIGTERM)
        #expect(await serve.waitForExit() == 0, "\(serve.stderr)")
        #expect(ledger.unexpected.isEmpty, "\(ledger.unexpected)")
        summary.acknowledged = ledger.acknowledged
        summary.tunnels = ledger.tunnels.count
        print("kill -9 on \(store.hasPrefix("sqlite") ? "SQLite" : "PostgreSQL"): \(summary)")
        return summary
    }

    /// One client: create a tunnel, rotate its key twice, again, until the server stops answering;
    /// true when a request of its own went unanswered (the kill cut it off).
    static func writeUntilCutOff(
        _ base: String, key: String, name: String, bastionPort: Int, ledger: WriteLedger, stop: StopFlag
    ) async -> Bool {
        var count = 0
        while !stop.isSet {
            count += 1
            let body = #"{"name":"\#(name)-\#(count)","host":"127.0.0.1","port":\#(bastionPort),"username":"u"}"#
            guard let created = try? await HTTPCall("POST", "\(base)/ssh-tunnels", key: key, body: body).answer(),
                created.status != 0
            else { return true }
            guard created.status == 200, let uuid = created.json["uuid"] as? String,
                let publicKey = created.json["publicKey"] as? String
            else {
                ledger.unexpected("create: \(created.status) \(created.text)")
                return false
            }
            ledger.created(uuid, key: publicKey)
            for _ in 0..<2 {
                ledger.sending(to: uuid)
                guard
                    let rotated = try? await HTTPCall("POST", "\(base)/ssh-tunnels/\(uuid)/rotate-key", key: key)
                        .answer(),
                    rotated.status != 0
                else { return true }
                guard rotated.status == 200, let publicKey = rotated.json["publicKey"] as? String else {
                    ledger.unexpected("rotate: \(rotated.status) \(rotated.text)")
                    return false
                }
                ledger.rotated(uuid, key: publicKey)
            }
        }
        return false
    }

    /// Every acknowledged tunnel is listed with a key consistent with what was acknowledged.
    static func verify(_ ledger: WriteLedger, serve: ServeProcess, key: String, after: String) async throws {
        let listed = try await HTTPCall("GET", "\(serve.baseURL)/ssh-tunnels", key: key).answer()
        #expect(listed.status == 200, "\(listed.status) \(listed.text)")
        var stored: [String: String] = [:]
        for item in listed.json["items"] as? [[String: Any]] ?? [] {
            if let uuid = item["uuid"] as? String { stored[uuid] = item["publicKey"] as? String }
        }
        for (uuid, tunnel) in ledger.tunnels {
            if let why = WriteLedger.contradiction(tunnel, stored: stored[uuid]) {
                Issue.record("after \(after): tunnel \(uuid): \(why)")
            }
        }
    }

    /// Every acknowledged tunnel's sealed private key still opens: a ping through it gets to dialling
    /// the bastion (refused: an `ssh` failure), not a 500 for an unreadable key.
    static func verifyKeysOpen(_ ledger: WriteLedger, serve: ServeProcess, key: String) async throws {
        for uuid in ledger.tunnels.keys.sorted() {
            let body =
                #"{"type":"postgresql","sharedConfig":{"host":"10.9.8.7","user":"u"},"sshTunnelUUID":"\#(uuid)"}"#
            let answer = try await HTTPCall("POST", "\(serve.baseURL)/connectors/ping", key: key, body: body).answer()
            let category = (answer.json["report"] as? [String: Any])?["category"] as? String
            #expect(answer.status == 200 && category == "ssh", "tunnel \(uuid): \(answer.status) \(answer.text)")
        }
    }
}

/// A flag the test sets once to stop its clients.
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}
