import Foundation
import Logging
import NIOPosix
import PreflightCore
import PreflightEngine
import PreflightMongo
import PreflightNetwork
import PreflightTestSupport
import Synchronization
import Testing

/// The probe against in-process fake servers: topology, fallbacks, SRV through a fake nameserver.
@Suite struct MongoProbeTests {
    struct Outcome {
        var failure: ProbeFailure?
        var steps: [PingStep]
        var checks: [ReadinessCheck]
        var target: PingTarget?
        func step(_ name: String) -> PingStep? { steps.last { $0.name == name } }
        func check(_ name: String) -> ReadinessCheck? { checks.first { $0.name == name } }
    }

    /// Runs a probe with a resolver that maps every name to 127.0.0.1.
    func run(
        _ config: [String: String], type: ConnectorType = .mongodb, source: Bool = false,
        dns: DNSClient = DNSClient(nameservers: ["127.0.0.1"], port: 9),
        timeout: Duration = .seconds(5)
    ) async throws -> Outcome {
        let payload = ConnectorPayload(
            type: type, sharedConfig: SharedConfig(strings: config), connectionRole: source ? "source" : nil)
        let probe = try MongoProbeFactory(dns: dns).makeProbe(for: payload)
        let loopback = Resolver { _, port throws(ProbeFailure) in
            do { return [try .init(ipAddress: "127.0.0.1", port: port)] } catch { throw ProbeFailure(.dns, "bad") }
        }
        let context = ProbeContext(
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, deadline: PingDeadline(timeout: timeout),
            resolver: loopback, logger: Logger(label: "test"), isSource: source)
        var failure: ProbeFailure?
        do { try await probe.run(in: context) } catch { failure = error }
        context.closeAll()
        let sealed = context.trace.seal()
        return Outcome(failure: failure, steps: sealed.steps, checks: sealed.checks, target: sealed.target)
    }

    @Test func standaloneIsReportedAndFailsOnlyASource() async throws {
        let server = try await FakeMongoServer { command, _ in
            FakeMongoServer.healthy(command, hello: FakeMongoServer.hello())
        }
        defer { Task { await server.shutdown() } }
        let destination = try await run(["host": "mongodb://127.0.0.1:\(server.port)"])
        #expect(destination.failure == nil)
        #expect(destination.step("auth")?.status == .skipped)
        #expect(destination.check("deployment")?.status == .failed)
        #expect(destination.step("readiness")?.status == .warning)
        let source = try await run(["host": "mongodb://127.0.0.1:\(server.port)"], source: true)
        #expect(source.failure?.category == .cdcNotReady)
    }

    @Test func aSecondarySeedLeadsToThePrimaryAndEveryMemberIsReported() async throws {
        let ports = Locked<[Int]>([])
        let hosts: @Sendable () -> [String] = { ports.value.map { "127.0.0.1:\($0)" } }
        let primary = try await FakeMongoServer { command, _ in
            FakeMongoServer.healthy(
                command,
                hello: FakeMongoServer.hello(primary: true, setName: "rs0", hosts: hosts(), primaryHost: hosts().first))
        }
        let secondary = try await FakeMongoServer { command, _ in
            FakeMongoServer.healthy(
                command,
                hello: FakeMongoServer.hello(primary: false, setName: "rs0", hosts: hosts(), primaryHost: hosts().first)
            )
        }
        let dead = closedPort()
        ports.update { $0 = [primary.port, secondary.port, dead] }
        defer {
            Task {
                await primary.shutdown()
                await secondary.shutdown()
            }
        }

        let outcome = try await run(["host": "mongodb://127.0.0.1:\(secondary.port)/?replicaSet=rs0"], source: true)
        #expect(outcome.failure == nil, "\(outcome.failure?.message ?? "")")
        let hellos = outcome.steps.filter { $0.name == "hello" }
        #expect(hellos.count == 2)
        #expect(hellos.first?.detail?.contains("SECONDARY") == true)
        #expect(hellos.last?.detail?.contains("PRIMARY") == true)
        #expect(outcome.target?.connectedAddress == "127.0.0.1:\(primary.port)")
        let topology = try #require(outcome.step("topology"))
        #expect(topology.status == .warning)
        #expect(topology.detail?.contains("127.0.0.1:\(primary.port) PRIMARY") == true)
        #expect(topology.detail?.contains("127.0.0.1:\(secondary.port) SECONDARY") == true)
        #expect(topology.detail?.contains("127.0.0.1:\(dead) unreachable") == true)
        #expect(outcome.check("oplog_window")?.status == .passed)
        #expect(primary.commands.contains("aggregate"))
        #expect(!secondary.commands.contains("aggregate"))
    }

    @Test func directConnectionStaysOnTheSecondary() async throws {
        let secondary = try await FakeMongoServer { command, _ in
            FakeMongoServer.healthy(
                command,
                hello: FakeMongoServer.hello(
                    primary: false, setName: "rs0", hosts: ["127.0.0.1:1"], primaryHost: "127.0.0.1:1"))
        }
        defer { Task { await secondary.shutdown() } }
        let outcome = try await run(["host": "mongodb://127.0.0.1:\(secondary.port)/?directConnection=true"])
        #expect(outcome.failure == nil)
        #expect(outcome.step("topology")?.status == .warning)
        #expect(outcome.step("topology")?.detail?.contains("directConnection=true") == true)
    }

    @Test func noPrimaryIsAServerSelectionFailure() async throws {
        let secondary = try await FakeMongoServer { command, _ in
            FakeMongoServer.healthy(
                command, hello: FakeMongoServer.hello(primary: false, setName: "rs0", hosts: ["127.0.0.1:1"]))
        }
        defer { Task { await secondary.shutdown() } }
        let outcome = try await run(["host": "mongodb://127.0.0.1:\(secondary.port)"])
        #expect(outcome.failure?.category == .serverUnavailable)
        #expect(outcome.failure?.message.contains("no primary") == true)
    }

    @Test func serversWithoutHelloGetIsMaster() async throws {
        let server = try await FakeMongoServer { command, _ in
            if command.keys.first == "hello" {
                return ["ok": 0.0, "errmsg": "no such command: 'hello'", "code": 59, "codeName": "CommandNotFound"]
            }
            return FakeMongoServer.healthy(
                command, hello: FakeMongoServer.hello(primary: true, setName: "rs0", hosts: [], wire: 8))
        }
        defer { Task { await server.shutdown() } }
        let outcome = try await run(["host": "mongodb://127.0.0.1:\(server.port)"])
        #expect(outcome.failure == nil, "\(outcome.failure?.message ?? "")")
        #expect(server.commands.prefix(2) == ["hello", "isMaster"])
        #expect(outcome.step("hello")?.detail?.contains("MongoDB 4.2") == true)
    }

    @Test func serversOlderThan36GetOPQUERY() async throws {
        let server = try await FakeMongoServer { command, opCode in
            guard opCode == 2004 else { return nil }  // a 3.4 server drops OP_MSG
            if command.keys.first == "buildInfo" { return ["version": "3.4.24", "ok": 1.0] }
            return FakeMongoServer.healthy(
                command, hello: FakeMongoServer.hello(primary: true, setName: "rs0", hosts: [], wire: 5))
        }
        defer { Task { await server.shutdown() } }
        let outcome = try await run(["host": "mongodb://127.0.0.1:\(server.port)"])
        #expect(outcome.failure == nil, "\(outcome.failure?.message ?? "")")
        #expect(outcome.step("hello")?.detail?.contains("OP_QUERY") == true)
        #expect(outcome.check("server_version")?.status == .failed)
        #expect(server.commands.contains("buildInfo"))
    }

    @Test func aMongosIsAShardedCluster() async throws {
        var hello = FakeMongoServer.hello()
        hello["msg"] = "isdbgrid"
        let mongos = try await FakeMongoServer { [hello] command, _ in FakeMongoServer.healthy(command, hello: hello) }
        defer { Task { await mongos.shutdown() } }
        let outcome = try await run(["host": "mongodb://127.0.0.1:\(mongos.port)"], source: true)
        #expect(outcome.failure == nil)
        #expect(outcome.check("deployment")?.observed.contains("sharded") == true)
        #expect(outcome.check("oplog_window")?.status == .skipped)
    }

    @Test func unknownOptionsAreAWarningStep() async throws {
        let server = try await FakeMongoServer { command, _ in
            FakeMongoServer.healthy(command, hello: FakeMongoServer.hello())
        }
        defer { Task { await server.shutdown() } }
        let outcome = try await run(["host": "mongodb://127.0.0.1:\(server.port)/?replSet=rs0&appName=x"])
        #expect(outcome.failure == nil)
        #expect(outcome.step("options")?.status == .warning)
        #expect(outcome.step("options")?.detail?.contains("replSet") == true)
        #expect(outcome.step("options")?.detail?.contains("appName") == false)
    }

    @Test func aReplyWithoutMongoFieldsIsNotMongo() async throws {
        let server = try await FakeMongoServer { _, _ in ["ok": 1.0] }
        defer { Task { await server.shutdown() } }
        let outcome = try await run(["host": "mongodb://127.0.0.1:\(server.port)"])
        #expect(outcome.failure?.category == .protocolMismatch)
    }

    @Test func aForgedSCRAMConversationIsRefused() async throws {
        // A server that accepts any password: its final signature cannot verify.
        let server = try await FakeMongoServer { command, _ in
            switch command.keys.first ?? "" {
            case "saslStart": return FakeMongoServer.saslStartReply(to: command)
            case "saslContinue":
                return [
                    "conversationId": 1, "done": true,
                    "payload": .binary(subtype: 0, bytes: Array("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".utf8)),
                    "ok": 1.0,
                ]
            default:
                return FakeMongoServer.healthy(command, hello: FakeMongoServer.hello())
            }
        }
        defer { Task { await server.shutdown() } }
        let outcome = try await run([
            "host": "mongodb://127.0.0.1:\(server.port)", "user": "u", "password": "pencil-Secret-1",
        ])
        #expect(outcome.failure?.category == .auth)
        #expect(outcome.failure?.message.contains("signature") == true)
        #expect(outcome.failure?.message.contains("pencil-Secret-1") == false)
    }

    @Test func anUnlistedUserIsExplained() async throws {
        let server = try await FakeMongoServer { command, _ in
            if command.keys.first == "saslStart" {
                return ["ok": 0.0, "errmsg": "Authentication failed.", "code": 18, "codeName": "AuthenticationFailed"]
            }
            return FakeMongoServer.healthy(command, hello: FakeMongoServer.hello())
        }
        defer { Task { await server.shutdown() } }
        let outcome = try await run([
            "host": "mongodb://127.0.0.1:\(server.port)/shop", "user": "ghost", "password": "Secret-Ghost-1",
        ])
        #expect(outcome.failure?.category == .auth)
        #expect(outcome.failure?.message.contains("authSource \"shop\"") == true)
        #expect(outcome.failure?.hint?.contains("listed no mechanism for \"shop.ghost\"") == true)
        #expect(outcome.step("auth")?.detail?.contains("SCRAM-SHA-1") == true)
    }

    @Test func unsupportedMechanismsReachTheServerFirst() async throws {
        let server = try await FakeMongoServer { command, _ in
            FakeMongoServer.healthy(command, hello: FakeMongoServer.hello())
        }
        defer { Task { await server.shutdown() } }
        let outcome = try await run([
            "host": "mongodb://127.0.0.1:\(server.port)/?authMechanism=MONGODB-X509", "user": "CN=client",
        ])
        #expect(outcome.failure?.category == .unsupported)
        #expect(outcome.step("hello")?.status == .passed)
    }

    // MARK: mongodb+srv://

    func nameserver(truncate: Bool = false, port: Int, txt: String? = "replicaSet=rs0") async throws -> FakeNameserver {
        var table: [String: FakeNameserver.Entry] = [
            "_mongodb._tcp.cluster0.mongo.test SRV": FakeNameserver.Entry(
                records: [
                    DNSResourceRecord(
                        name: "_mongodb._tcp.cluster0.mongo.test", type: .srv,
                        data: .srv(DNSSRVRecord(priority: 0, weight: 0, port: UInt16(port), target: "db0.mongo.test")))
                ], truncatedOverUDP: truncate)
        ]
        if let txt {
            table["cluster0.mongo.test TXT"] = FakeNameserver.Entry(records: [
                DNSResourceRecord(name: "cluster0.mongo.test", type: .txt, data: .txt([Array(txt.utf8)]))
            ])
        }
        table["_mongodb._tcp.evil.mongo.test SRV"] = FakeNameserver.Entry(records: [
            DNSResourceRecord(
                name: "_mongodb._tcp.evil.mongo.test", type: .srv,
                data: .srv(DNSSRVRecord(priority: 0, weight: 0, port: 1, target: "db.attacker.example")))
        ])
        return try await FakeNameserver(table)
    }

    @Test func srvSeedsAndTXTOptionsAreUsed() async throws {
        let server = try await FakeMongoServer { command, _ in
            FakeMongoServer.healthy(command, hello: FakeMongoServer.hello(primary: true, setName: "rs0", hosts: []))
        }
        defer { Task { await server.shutdown() } }
        let dns = try await nameserver(port: server.port)
        defer { Task { await dns.shutdown() } }
        let outcome = try await run(
            ["host": "mongodb+srv://cluster0.mongo.test/?tls=false"],
            dns: DNSClient(nameservers: ["127.0.0.1"], port: dns.port))
        #expect(outcome.failure == nil, "\(outcome.failure?.message ?? "")")
        let srv = try #require(outcome.step("srv"))
        #expect(srv.detail?.contains("db0.mongo.test:\(server.port)") == true)
        #expect(srv.detail?.contains("replicaSet=rs0") == true)
        #expect(outcome.target?.host == "cluster0.mongo.test")
        #expect(dns.received.contains("_mongodb._tcp.cluster0.mongo.test SRV udp"))
    }

    @Test func txtReplicaSetIsEnforced() async throws {
        let server = try await FakeMongoServer { command, _ in
            FakeMongoServer.healthy(command, hello: FakeMongoServer.hello(primary: true, setName: "other", hosts: []))
        }
        defer { Task { await server.shutdown() } }
        let dns = try await nameserver(port: server.port)
        defer { Task { await dns.shutdown() } }
        let outcome = try await run(
            ["host": "mongodb+srv://cluster0.mongo.test/?tls=false"],
            dns: DNSClient(nameservers: ["127.0.0.1"], port: dns.port))
        #expect(outcome.failure?.category == .serverUnavailable)
        #expect(outcome.failure?.message.contains("\"rs0\"") == true)
    }

    @Test func truncatedAnswersAreAskedAgainOverTCP() async throws {
        let server = try await FakeMongoServer { command, _ in
            FakeMongoServer.healthy(command, hello: FakeMongoServer.hello())
        }
        defer { Task { await server.shutdown() } }
        let dns = try await nameserver(truncate: true, port: server.port, txt: nil)
        defer { Task { await dns.shutdown() } }
        let outcome = try await run(
            ["host": "mongodb+srv://cluster0.mongo.test/?tls=false"],
            dns: DNSClient(nameservers: ["127.0.0.1"], port: dns.port))
        #expect(outcome.failure == nil, "\(outcome.failure?.message ?? "")")
        #expect(dns.received.contains("_mongodb._tcp.cluster0.mongo.test SRV tcp"))
        #expect(outcome.step("srv")?.detail?.contains("no TXT options") == true)
    }

    @Test func srvFailures() async throws {
        let dns = try await nameserver(port: 1)
        defer { Task { await dns.shutdown() } }
        let client = DNSClient(nameservers: ["127.0.0.1"], port: dns.port)
        let missing = try await run(["host": "mongodb+srv://nope.mongo.test"], dns: client)
        #expect(missing.failure?.category == .dns)
        #expect(missing.failure?.message.contains("NXDOMAIN") == true)
        let evil = try await run(["host": "mongodb+srv://evil.mongo.test"], dns: client)
        #expect(evil.failure?.category == .dns)
        #expect(evil.failure?.message.contains("not in") == true)
    }

    @Test func aSilentNameserverIsADNSTimeout() async throws {
        let silentPort = closedPort()
        // The DNS client's 300 ms per attempt must end it, not the ping's budget: a budget of 30 s, and a bound
        // far from both (3 s against a budget of 5 s failed once at 5.6 s on a loaded machine).
        let started = ContinuousClock.now
        let outcome = try await run(
            ["host": "mongodb+srv://cluster0.mongo.test"],
            dns: DNSClient(nameservers: ["127.0.0.1"], port: silentPort, timeout: .milliseconds(300)),
            timeout: .seconds(30))
        #expect(outcome.failure?.category == .dns)
        #expect(outcome.failure?.transient == true)
        #expect(outcome.failure?.message.contains("no DNS server answered") == true)
        #expect(ContinuousClock.now - started < .seconds(15), "the budget ended it, not the DNS client's timeout")
    }
}
