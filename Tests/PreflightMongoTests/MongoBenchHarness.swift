import Foundation
import PreflightCore
import PreflightEngine
import PreflightMongo
import PreflightTestSupport
import Testing

/// The `preflight bench` measurement (same loop and JSON line as Sources/preflight/Bench.swift) for
/// MongoDB pings, runnable before MongoProbeFactory is registered in the engine:
///
///     PREFLIGHT_MONGO_BENCH="200:1,2000:50" swift test --filter MongoBenchHarness
///
/// pings the SCRAM-SHA-256 user of scripts/servers/mongo.sh (replica set, no TLS) and prints one JSON
/// line per N:C pair. Peak RSS is the whole test process's.
@Suite(.enabled(if: TestEnvironment.value("PREFLIGHT_MONGO_BENCH") != nil && MongoTestServer.configured))
struct MongoBenchHarness {
    @Test func bench() async throws {
        let server = try #require(MongoTestServer.fromEnvironment())
        let pairs = (TestEnvironment.value("PREFLIGHT_MONGO_BENCH") ?? "").split(separator: ",").compactMap { pair -> (Int, Int)? in
            let parts = pair.split(separator: ":").compactMap { Int($0) }
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }
        let payload = ConnectorPayload(type: .mongodb, sharedConfig: SharedConfig(strings: [
            "host": "mongodb://\(server.host):\(server.port)/?authMechanism=SCRAM-SHA-256",
            "user": server.sha256User, "password": server.sha256Password,
        ]))
        for (count, concurrency) in pairs {
            var configuration = EngineConfiguration()
            configuration.maxInFlight = max(configuration.maxInFlight, concurrency)
            let engine = PingEngine(configuration: configuration, factories: [MongoProbeFactory()])
            let start = ContinuousClock.now
            var latencies: [Double] = []
            var categories: [String: Int] = [:]
            await withTaskGroup(of: (Double, String).self) { group in
                var started = 0
                func launch() {
                    group.addTask {
                        let began = ContinuousClock.now
                        let category: String
                        do { category = try await engine.ping(payload).category?.rawValue ?? "ok" } catch { category = "rejected" }
                        return ((ContinuousClock.now - began).milliseconds, category)
                    }
                    started += 1
                }
                while started < min(concurrency, count) { launch() }
                for await (latency, category) in group {
                    latencies.append(latency)
                    categories[category, default: 0] += 1
                    if started < count { launch() }
                }
            }
            let elapsed = (ContinuousClock.now - start).seconds
            latencies.sort()
            func percentile(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int((Double(latencies.count) * p).rounded(.up)) - 1)] }
            func round2(_ value: Double) -> Double { (value * 100).rounded() / 100 }
            let result: [String: Any] = [
                "client": "preflight", "n": count, "concurrency": concurrency,
                "pings_per_s": round2(Double(count) / elapsed), "p50_ms": round2(percentile(0.50)),
                "p99_ms": round2(percentile(0.99)), "max_ms": round2(latencies.last ?? 0),
                "peak_rss_mb": round2(Self.peakRSSMegabytes()), "categories": categories,
            ]
            let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }

    static func peakRSSMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return (line.split(separator: " ").compactMap { Double($0) }.first ?? 0) / 1024
        }
        return 0
    }
}
