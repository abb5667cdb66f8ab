import Foundation
import PreflightCore
import PreflightOracle
import PreflightTestSupport
import Testing

/// Figures, not a check: with `PREFLIGHT_BENCH_ORACLE=1`, times our oracle ping (TCP connect, TNS
/// CONNECT/ACCEPT, the O5LOGON login with the 12c verifier, the four readiness queries, LOGOFF) against
/// the scripted database at C=1 (N=200) and C=20 (N=1000), and in the same run python-oracledb's
/// connect + login + close, and connect + login + the same four queries + close, against the same
/// database (`bench/oracledb_login.py`). Prints one JSON line per run. Skipped otherwise.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["PREFLIGHT_BENCH_ORACLE"] == "1"))
struct OracleLoginBench {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("bench/oracledb_login.py").path

    @Test func pingBesideOracledb() async throws {
        let listener = try await ScriptedTNSListener(.init())
        defer { Task { await listener.shutdown() } }
        let engine = OracleTesting.engine()
        let payload = OracleTesting.payload(port: listener.port)
        for (n, concurrency) in [(200, 1), (1000, 20)] {
            var latencies: [Double] = []
            var categories: [String: Int] = [:]
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: (Double, String).self) { group in
                var started = 0
                func launch() {
                    started += 1
                    group.addTask {
                        let begun = ContinuousClock.now
                        let report = try await engine.ping(payload)
                        return ((ContinuousClock.now - begun).milliseconds, report.category?.rawValue ?? "ok")
                    }
                }
                while started < min(concurrency, n) { launch() }
                while let (ms, category) = try await group.next() {
                    latencies.append(ms)
                    categories[category, default: 0] += 1
                    if started < n { launch() }
                }
            }
            let wall = (ContinuousClock.now - start).milliseconds / 1000
            latencies.sort()
            func percentile(_ q: Double) -> Double {
                latencies[max(0, Int((q / 100 * Double(latencies.count)).rounded(.up)) - 1)]
            }
            print(
                "{\"client\":\"preflight\",\"n\":\(n),\"concurrency\":\(concurrency),\"p50_ms\":\(percentile(50)),\"p99_ms\":\(percentile(99)),\"categories\":\(categories),\"wall_s\":\(wall)}"
            )
            #expect(categories == ["ok": n])
            setenv("ORACLE_BENCH_PASSWORD", OracleTesting.password, 1)
            let queries = try JSONSerialization.data(withJSONObject: OracleReadiness.queries.map(\.sql))
            setenv("ORACLE_BENCH_QUERIES", String(decoding: queries, as: UTF8.self), 1)
            for extra in [[], ["--queries"]] {
                let result = try await IndependentVerifier.python(
                    [
                        Self.script, "--port", String(listener.port), "--n", String(n), "--concurrency",
                        String(concurrency),
                    ]
                        + extra)
                print(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines), result.stderr.suffix(500))
            }
        }
    }
}
