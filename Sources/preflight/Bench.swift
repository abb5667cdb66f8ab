import ArgumentParser
import Foundation
import Logging
import PreflightCore
import PreflightEngine
import PreflightLogging
import PreflightProbes
import PreflightSSH

/// `preflight bench`: many pings in this process at a set concurrency; prints throughput, latency
/// percentiles and peak memory as one JSON line (the shape bench/run.sh compares with asyncpg).
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure pings per second, latency percentiles and peak RSS.")

    @Option(help: "The ping body (same JSON as the API).")
    var payload: String

    @Option(help: "How many pings in all.")
    var count = 100

    @Option(help: "How many at once.")
    var concurrency = 1

    @Flag(help: "Print one JSON line instead of text.")
    var json = false

    @OptionGroup var engineOptions: EngineOptions

    @OptionGroup var sshOptions: SSHOptions

    @Flag(
        name: .customLong("ssh-share"),
        help: "Share authenticated SSH connections between the pings, as the service does (5 s each).")
    var shareSSH = false

    @Flag(
        name: .customLong("task-pool"),
        help: "Run each probe on Swift's global task pool instead of its sockets' event loop (for comparison).")
    var taskPool = false

    func run() async throws {
        PreflightLogging.bootstrap(level: .error)
        guard count > 0, concurrency > 0 else { throw ValidationError("--count and --concurrency must be positive") }
        guard let data = FileManager.default.contents(atPath: payload) else {
            throw ValidationError("cannot read \(payload)")
        }
        let parsed: ConnectorPayload
        do { parsed = try ConnectorPayload.decode(json: data) } catch { throw ValidationError(error.message) }
        var configuration = try engineOptions.engineConfiguration()
        configuration.maxInFlight = max(configuration.maxInFlight, concurrency)
        configuration.probesOnEventLoop = !taskPool
        let engine = PingEngine(configuration: configuration, factories: ProbeRegistry.builtIn)
        let tunnel: SSHTunnelOpener?
        do { tunnel = try sshOptions.opener(sessions: shareSSH ? SSHSessionPool() : nil) } catch {
            throw ValidationError(error.message)
        }
        let total = count
        let start = ContinuousClock.now
        var latencies: [Double] = []
        var categories: [String: Int] = [:]
        await withTaskGroup(of: (Double, String).self) { group in
            var started = 0
            func launch() {
                group.addTask {
                    let began = ContinuousClock.now
                    let category: String
                    do {
                        let report = try await engine.ping(parsed, tunnel: tunnel)
                        category = report.category?.rawValue ?? "ok"
                    } catch {
                        category = "rejected"
                    }
                    return ((ContinuousClock.now - began).milliseconds, category)
                }
                started += 1
            }
            while started < min(concurrency, total) { launch() }
            for await (latency, category) in group {
                latencies.append(latency)
                categories[category, default: 0] += 1
                if started < total { launch() }
            }
        }
        let elapsed = (ContinuousClock.now - start).seconds
        latencies.sort()
        func percentile(_ p: Double) -> Double {
            latencies[min(latencies.count - 1, Int((Double(latencies.count) * p).rounded(.up)) - 1)]
        }
        let result: [String: Any] = [
            "client": "preflight", "n": total, "concurrency": concurrency,
            "pings_per_s": round2(Double(total) / elapsed), "p50_ms": round2(percentile(0.50)),
            "p99_ms": round2(percentile(0.99)), "max_ms": round2(latencies.last ?? 0),
            "peak_rss_mb": round2(Self.peakRSSMegabytes()), "categories": categories,
        ]
        if json {
            let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for key in result.keys.sorted() { print("\(key): \(result[key]!)") }
        }
    }

    private func round2(_ value: Double) -> Double { (value * 100).rounded() / 100 }

    /// VmHWM from /proc/self/status: the peak resident set size.
    static func peakRSSMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return digits / 1024
        }
        return 0
    }
}
