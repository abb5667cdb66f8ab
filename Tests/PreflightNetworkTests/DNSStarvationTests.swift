import Logging
import NIOCore
import NIOPosix
import PreflightCore
import PreflightNetwork
import Testing

/// Issue #11, item 5: one company's lookups of names whose nameserver never answers must not hold up
/// another company's lookups. With blocking getaddrinfo on a pool of core-count threads, a handful of
/// silent lookups held every thread and the other company's ping timed out behind them.
@Suite struct DNSStarvationTests {
    /// More silent lookups than the old pool had threads on any machine this runs on (it had one per core).
    static let silentLookups = max(16, System.coreCount * 2)

    @Test func silentNamesOfOneCompanyDoNotDelayAnotherCompanysLookup() async throws {
        let server = try await FakeNameserver([
            "db.silent.test A": Entry(silent: true),
            "db.silent.test AAAA": Entry(silent: true),
            "db.answers.test A": Entry(records: [FakeNameserver.a("db.answers.test", "10.1.2.3")]),
            "db.answers.test AAAA": Entry(),
        ])
        defer { Task { await server.shutdown() } }
        let resolver = PreflightNetwork.Resolver.dns(server.resolver(timeout: .seconds(30), attempts: 2))
        /// Which lookups finished, in order ("silent" or "answers").
        let finished = SharedList()

        // Company A: every ping resolves a name whose nameserver never answers, within a 5 s budget.
        let silent = (0..<Self.silentLookups).map { _ in
            Task { () -> ProbeFailure? in
                let context = Self.context(resolver: resolver, timeout: .seconds(5))
                defer { finished.append("silent") }
                do throws(ProbeFailure) {
                    _ = try await context.resolve("db.silent.test", port: 5432)
                    return nil
                } catch {
                    return error
                }
            }
        }
        // Wait until every silent lookup has its queries in flight (A and AAAA each).
        while server.received.filter({ $0.hasPrefix("db.silent.test") }).count < 2 * Self.silentLookups {
            try await Task.sleep(for: .milliseconds(10))
        }

        // Company B, while all of them wait: its name answers, so its lookup must complete.
        let context = Self.context(resolver: resolver, timeout: .seconds(5))
        let found = try await context.resolve("db.answers.test", port: 5432)
        finished.append("answers")
        #expect(found.map(Dialer.describe) == ["10.1.2.3:5432"])
        #expect(finished.items.first == "answers", "a silent lookup ended before the answering one")

        // Company A's lookups end as timeouts at their deadline, not as answers or other errors.
        for task in silent {
            let failure = await task.value
            #expect(failure?.category == .timeout, "\(String(describing: failure))")
        }
    }

    typealias Entry = FakeNameserver.Entry

    static func context(resolver: PreflightNetwork.Resolver, timeout: Duration) -> ProbeContext {
        ProbeContext(
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, deadline: PingDeadline(timeout: timeout),
            resolver: resolver, logger: Logger(label: "test"))
    }
}
