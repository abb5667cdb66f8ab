import Foundation
import PreflightCore
import PreflightTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Opt-in figures for the note (PREFLIGHT_BENCH_MSSQL=1): our ping (full TLS, verify-full, LOGIN7, the
/// three readiness batches) beside pytds doing the same against the same scripted peer, C=1 and C=20.
/// Prints one JSON line per run; checks only that every ping and every pytds connection succeeded.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["PREFLIGHT_BENCH_MSSQL"] != nil))
struct MSSQLBenchTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("bench/pytds_connect.py").path

    static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        sorted.isEmpty ? 0 : sorted[max(1, Int((q / 100 * Double(sorted.count)).rounded(.up))) - 1]
    }

    @Test func probeBesidePytds() async throws {
        let password = "Bench-Pw-1"
        let peer = try await ScriptedTDSPeer(.init(accounts: [.init(user: "artie", password: password)]))
        defer { Task { await peer.shutdown() } }
        let caFile = FileManager.default.temporaryDirectory.appendingPathComponent("preflight-bench-ca-\(UUID()).pem")
        try TestPKI.caPEM.write(to: caFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: caFile) }
        let engine = MSSQLTesting.engine()
        let payload = MSSQLTesting.payload(port: peer.port, password: password, extra: ["sslRootCert": TestPKI.caPEM])
        // Where one ping's time goes, step by step.
        for _ in 0..<3 {
            let report = try await engine.ping(payload)
            print(report.steps.map { "\($0.name)=\($0.durationMs)ms" }.joined(separator: " "))
        }
        for (n, c) in [(200, 1), (1000, 20)]
        where ProcessInfo.processInfo.environment["PREFLIGHT_BENCH_MSSQL"] != "steps" {
            let clock = ContinuousClock()
            var latencies: [Double] = []
            var failures = 0
            let start = clock.now
            let one: @Sendable () async throws -> (Double, Bool) = {
                let begin = clock.now
                let report = try await engine.ping(payload)
                let elapsed = clock.now - begin
                return (
                    Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000, report.ok
                )
            }
            try await withThrowingTaskGroup(of: (Double, Bool).self) { group in
                var started = 0
                while started < c {
                    group.addTask(operation: one)
                    started += 1
                }
                while let (ms, ok) = try await group.next() {
                    latencies.append(ms)
                    if !ok { failures += 1 }
                    if started < n {
                        group.addTask(operation: one)
                        started += 1
                    }
                }
            }
            let wall = clock.now - start
            latencies.sort()
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            print(
                #"{"client":"preflight","n":\#(n),"concurrency":\#(c),"p50_ms":\#(Self.percentile(latencies, 50)),"p99_ms":\#(Self.percentile(latencies, 99)),"failures":\#(failures),"wall_s":\#(Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18),"peak_rss_mb":\#(Double(usage.ru_maxrss) / 1024)}"#
            )
            #expect(failures == 0)
            let result = try await IndependentVerifier.python(
                [Self.script, String(peer.port), "artie", password, String(n), String(c), caFile.path])
            print(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(result.status == 0 && result.stdout.contains("\"errors\": {}"), "\(result.stdout) \(result.stderr)")
        }
    }
}
