import NIOCore
import PreflightCore
import PreflightNetwork
import Testing

/// The resolver against a real nameserver on loopback (`FakeNameserver`): answers, CNAME chains,
/// NXDOMAIN, SERVFAIL, truncation, silence and spoofed replies.
@Suite struct HostResolverTests {
    typealias Entry = FakeNameserver.Entry

    /// The failure `body` throws, or nil when it does not throw.
    func failure(_ body: () async throws(ProbeFailure) -> [SocketAddress]) async -> ProbeFailure? {
        do throws(ProbeFailure) {
            _ = try await body()
            return nil
        } catch {
            return error
        }
    }

    @Test func asksForAAndAAAAAndPutsIPv4First() async throws {
        let server = try await FakeNameserver([
            "db.good.test A": Entry(records: [FakeNameserver.a("db.good.test", "10.1.2.3")]),
            "db.good.test AAAA": Entry(records: [FakeNameserver.aaaa("db.good.test", "fd00::5")]),
        ])
        defer { Task { await server.shutdown() } }
        let found = try await server.resolver().resolve("db.good.test", port: 5432, budget: .seconds(5))
        #expect(found.map(Dialer.describe) == ["10.1.2.3:5432", "[fd00::5]:5432"])
        #expect(Set(server.received) == ["db.good.test A udp", "db.good.test AAAA udp"])
    }

    @Test func followsACNAMEChainInsideTheAnswer() async throws {
        let server = try await FakeNameserver([
            "www.good.test A": Entry(records: [
                FakeNameserver.cname("www.good.test", "edge.good.test"),
                FakeNameserver.cname("edge.good.test", "lb.cdn.test"),
                FakeNameserver.a("lb.cdn.test", "10.9.9.9"),
                // An address for a name the chain does not reach is not the host's.
                FakeNameserver.a("elsewhere.test", "10.6.6.6"),
            ]),
            "www.good.test AAAA": Entry(records: [FakeNameserver.cname("www.good.test", "edge.good.test")]),
        ])
        defer { Task { await server.shutdown() } }
        let found = try await server.resolver().resolve("WWW.good.test.", port: 443, budget: .seconds(5))
        #expect(found.map(Dialer.describe) == ["10.9.9.9:443"])
    }

    @Test func noSuchNameKeepsTheSystemResolversWords() async throws {
        let server = try await FakeNameserver([:])
        defer { Task { await server.shutdown() } }
        let resolver = server.resolver()
        let error = await failure { () async throws(ProbeFailure) in
            try await resolver.resolve("missing.good.test", port: 1, budget: .seconds(5))
        }
        #expect(error?.category == .dns)
        #expect(error?.message == "missing.good.test does not resolve: no such host name")
        #expect(error?.transient == nil)
    }

    @Test func aNameWithoutAddressesSaysSo() async throws {
        let server = try await FakeNameserver([
            "mail.good.test A": Entry(), "mail.good.test AAAA": Entry(),
        ])
        defer { Task { await server.shutdown() } }
        let resolver = server.resolver()
        let error = await failure { () async throws(ProbeFailure) in
            try await resolver.resolve("mail.good.test", port: 1, budget: .seconds(5))
        }
        #expect(error?.category == .dns)
        #expect(error?.message == "mail.good.test resolves to no IPv4 or IPv6 address")
    }

    @Test func serverFailureIsATransientDNSFailure() async throws {
        let server = try await FakeNameserver([
            "broken.good.test A": Entry(responseCode: 2), "broken.good.test AAAA": Entry(responseCode: 2),
        ])
        defer { Task { await server.shutdown() } }
        let resolver = server.resolver()
        let error = await failure { () async throws(ProbeFailure) in
            try await resolver.resolve("broken.good.test", port: 1, budget: .seconds(5))
        }
        #expect(error?.category == .dns)
        #expect(error?.message.contains("SERVFAIL") == true)
        #expect(error?.transient == true)
    }

    @Test func aTruncatedAnswerIsAskedAgainOverTCP() async throws {
        let server = try await FakeNameserver([
            "big.good.test A": Entry(
                records: (1...40).map { FakeNameserver.a("big.good.test", "10.0.0.\($0)") }, truncatedOverUDP: true),
            "big.good.test AAAA": Entry(),
        ])
        defer { Task { await server.shutdown() } }
        let found = try await server.resolver().resolve("big.good.test", port: 1, budget: .seconds(5))
        #expect(found.count == 40)
        #expect(server.received.contains("big.good.test A udp"))
        #expect(server.received.contains("big.good.test A tcp"))
    }

    @Test func aSilentServerIsATimeoutAtTheBudget() async throws {
        let server = try await FakeNameserver([
            "slow.bad.test A": Entry(silent: true), "slow.bad.test AAAA": Entry(silent: true),
        ])
        defer { Task { await server.shutdown() } }
        let resolver = server.resolver(timeout: .seconds(30), attempts: 2)
        let error = await failure { () async throws(ProbeFailure) in
            try await resolver.resolve("slow.bad.test", port: 1, budget: .milliseconds(300))
        }
        #expect(error?.category == .timeout)
        #expect(error?.message.contains("the DNS server did not answer") == true)
    }

    @Test func aSilentServerWithinResolvConfsTimeoutsIsATemporaryDNSFailure() async throws {
        let server = try await FakeNameserver([
            "slow.bad.test A": Entry(silent: true), "slow.bad.test AAAA": Entry(silent: true),
        ])
        defer { Task { await server.shutdown() } }
        // One round of 1 s, with 60 s of budget: the resolver gives up on its own, before the ping's deadline.
        let resolver = server.resolver(timeout: .seconds(1), attempts: 1)
        let error = await failure { () async throws(ProbeFailure) in
            try await resolver.resolve("slow.bad.test", port: 1, budget: .seconds(60))
        }
        #expect(error?.category == .dns)
        #expect(error?.transient == true)
        #expect(
            error?.message == "slow.bad.test could not be resolved: the DNS server did not answer (temporary failure)")
    }

    /// The engine ends a ping by cancelling its task: a lookup waiting on a silent server must stop then,
    /// not at its own budget (120 s here, past the test's one-minute limit).
    @Test(.timeLimit(.minutes(1))) func cancellingTheTaskEndsTheLookup() async throws {
        let server = try await FakeNameserver([
            "slow.bad.test A": Entry(silent: true), "slow.bad.test AAAA": Entry(silent: true),
        ])
        defer { Task { await server.shutdown() } }
        let resolver = server.resolver(timeout: .seconds(30), attempts: 5)
        let lookup = Task { () -> ProbeFailure? in
            do throws(ProbeFailure) {
                _ = try await resolver.resolve("slow.bad.test", port: 1, budget: .seconds(120))
                return nil
            } catch {
                return error
            }
        }
        while server.received.count < 2 { try await Task.sleep(for: .milliseconds(10)) }
        lookup.cancel()
        let error = await lookup.value
        #expect(error?.category == .timeout)
    }

    @Test func spoofedRepliesAreIgnored() async throws {
        let server = try await FakeNameserver([
            "db.good.test A": Entry(records: [FakeNameserver.a("db.good.test", "10.1.2.3")], spoofFirst: true),
            "db.good.test AAAA": Entry(spoofFirst: true),
        ])
        defer { Task { await server.shutdown() } }
        let found = try await server.resolver().resolve("db.good.test", port: 1, budget: .seconds(5))
        #expect(found.map(Dialer.describe) == ["10.1.2.3:1"])
    }

    @Test func onlySpoofedRepliesAreNoAnswer() async throws {
        let server = try await FakeNameserver([
            "db.good.test A": Entry(records: [FakeNameserver.a("db.good.test", "10.1.2.3")], onlySpoofed: true),
            "db.good.test AAAA": Entry(onlySpoofed: true),
        ])
        defer { Task { await server.shutdown() } }
        let resolver = server.resolver()
        let error = await failure { () async throws(ProbeFailure) in
            try await resolver.resolve("db.good.test", port: 1, budget: .milliseconds(500))
        }
        #expect(error?.category == .timeout)
    }

    @Test func searchDomainsAndNdots() async throws {
        let server = try await FakeNameserver([
            "db.corp.test A": Entry(records: [FakeNameserver.a("db.corp.test", "10.7.7.7")]),
            "db.corp.test AAAA": Entry(),
        ])
        defer { Task { await server.shutdown() } }
        let found = try await server.resolver(search: ["other.test", "corp.test"]).resolve(
            "db", port: 1, budget: .seconds(5))
        #expect(found.map(Dialer.describe) == ["10.7.7.7:1"])
        #expect(server.received.filter { $0.hasSuffix(" A udp") } == ["db.other.test A udp", "db.corp.test A udp"])
    }

    @Test func theHostsFileComesFirstAndLiteralsNeedNoDNS() async throws {
        let server = try await FakeNameserver([
            "db.good.test A": Entry(records: [FakeNameserver.a("db.good.test", "10.1.2.3")])
        ])
        defer { Task { await server.shutdown() } }
        let resolver = server.resolver(hosts: HostsFile.parse("127.0.0.5 db.good.test\n::1 v6only.test\n"))
        #expect(
            try await resolver.resolve("DB.good.test", port: 1, budget: .seconds(5)).map(Dialer.describe) == [
                "127.0.0.5:1"
            ])
        #expect(
            try await resolver.resolve("v6only.test", port: 2, budget: .seconds(5)).map(Dialer.describe) == ["[::1]:2"])
        #expect(
            try await resolver.resolve("127.0.0.9", port: 3, budget: .seconds(5)).map(Dialer.describe) == [
                "127.0.0.9:3"
            ])
        #expect(try await resolver.resolve("[::1]", port: 4, budget: .seconds(5)).map(Dialer.describe) == ["[::1]:4"])
        #expect(
            try await resolver.resolve("localhost", port: 5, budget: .seconds(5)).map(Dialer.describe)
                == ["127.0.0.1:5", "[::1]:5"])
        #expect(server.received.isEmpty)
    }

    @Test func theSystemResolverReadsTheRealHostsFile() async throws {
        // localhost is in every test machine's /etc/hosts (or covered by RFC 6761): no DNS involved.
        let found = try await PreflightNetwork.Resolver.system.resolve("localhost", port: 7, within: .seconds(5))
        #expect(found.contains { $0.ipAddress == "127.0.0.1" || $0.ipAddress == "::1" })
    }
}
