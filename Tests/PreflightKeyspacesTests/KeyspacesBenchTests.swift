import Foundation
import PreflightCore
import PreflightKeyspaces
import PreflightTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Opt-in figures (`PREFLIGHT_BENCH_KEYSPACES=1`): our ping (SigV4 login, system.local, keyspace, CDC
/// readiness) against the scripted peer at C=1 and C=20, beside cassandra-driver + cassandra-sigv4
/// (`bench/cassandra_connect.py`: connect, login, system.local) against the same peer in the same run.
/// Prints the figures; fails only if a ping or a client connection fails.
@Suite(
    .serialized,
    .enabled(if: ProcessInfo.processInfo.environment["PREFLIGHT_BENCH_KEYSPACES"] == "1", "opt-in benchmark"))
struct KeyspacesBenchTests {
    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        sorted.isEmpty ? 0 : sorted[max(1, Int((q / 100 * Double(sorted.count)).rounded(.up))) - 1]
    }

    static func peakRSSMegabytes() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
            getrusage(RUSAGE_SELF, &usage)
        #endif
        return Double(usage.ru_maxrss) / 1024
    }

    @Test func pingBesideCassandraDriver() async throws {
        try await PeerVerdict.require()
        let peer = try await ScriptedKeyspacesPeer(
            KeyspacesTesting.options(keyspaces: ["app": KeyspacesPeerTests.ready]))
        defer { Task { await peer.shutdown() } }
        let engine = KeyspacesTesting.engine(timeout: .seconds(30))
        let payload = KeyspacesTesting.payload(port: peer.port, keyspace: "app")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cql-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ca = directory.appendingPathComponent("ca.pem")
        try TestPKI.caPEM.write(to: ca, atomically: true, encoding: .utf8)
        let script = URL(fileURLWithPath: IndependentVerifier.script).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
                "bench/cassandra_connect.py"
            )
            .path
        for (n, concurrency) in [(50, 1), (200, 20)] {
            let clock = ContinuousClock()
            let wall = clock.now
            let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
                for worker in 0..<concurrency {
                    group.addTask {
                        var mine: [Double] = []
                        for _ in stride(from: worker, to: n, by: concurrency) {
                            let start = clock.now
                            let report = try await engine.ping(payload)
                            #expect(report.ok, "\(report.summary)")
                            mine.append(Double((clock.now - start).milliseconds))
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }.sorted()
            let seconds = Double((clock.now - wall).milliseconds) / 1000
            print(
                "keyspaces preflight C=\(concurrency) N=\(n): p50 \(Self.percentile(latencies, 50)) ms, p99 \(Self.percentile(latencies, 99)) ms, \(String(format: "%.1f", Double(n) / seconds)) pings/s, test-process peak RSS \(String(format: "%.1f", Self.peakRSSMegabytes())) MB"
            )
            let run = try await IndependentVerifier.python([
                script, "--port", String(peer.port), "--ca", ca.path, "--key", KeyspacesTesting.accessKey, "--secret",
                KeyspacesTesting.secret, "--n", String(n), "--concurrency", String(concurrency),
            ])
            #expect(run.status == 0, "\(run.stderr.suffix(1000))")
            #expect(run.stdout.contains("\"ok\": \(n)"), "\(run.stdout)")
            print("keyspaces cassandra-driver C=\(concurrency) N=\(n): \(run.stdout)")
        }
    }
}
