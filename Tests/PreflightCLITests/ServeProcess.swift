import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `preflight serve` running in the background as an operator starts it: what it prints is collected
/// as it comes, the port it bound (`--port 0`) is read from its `listening` log line, and the test can
/// send it signals (SIGTERM to drain, SIGKILL to crash) and wait for its exit.
final class ServeProcess: Sendable {
    private let process: Process
    private let output: PrintedOutput
    /// The port it listens on.
    let port: Int
    /// `http://127.0.0.1:PORT`.
    var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(process: Process, output: PrintedOutput, port: Int) {
        self.process = process
        self.output = output
        self.port = port
    }

    /// Starts `preflight serve --port 0 arguments...` and returns once it listens (at most `timeout`).
    static func start(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> ServeProcess {
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["serve", "--port", "0"] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let output = PrintedOutput()
        out.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            output.withLock { $0.stdout += String(decoding: data, as: UTF8.self) }
        }
        err.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            output.withLock { $0.stderr += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if let port = output.withLock({ listeningPort(in: $0.stderr) }) {
                return ServeProcess(process: process, output: output, port: port)
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let printed = output.withLock { "\($0.stdout)\($0.stderr)" }
        throw ServeError(message: "preflight serve did not start listening: \(printed)")
    }

    /// The port of the `listening address=HOST:PORT` log line (`health listening` with `health: true`).
    static func listeningPort(in log: String, health: Bool = false) -> Int? {
        for line in log.split(separator: "\n") {
            let isHealth = line.contains("health listening")
            guard isHealth == health, isHealth || line.hasSuffix(" listening") || line.contains("] listening"),
                let range = line.range(of: "address=")
            else { continue }
            let address = line[range.upperBound...].prefix { !$0.isWhitespace }
            if let port = address.split(separator: ":").last.flatMap({ Int($0) }), port > 0 { return port }
        }
        return nil
    }

    /// The port of `serve --health-port`, once it listens.
    var healthPort: Int? { Self.listeningPort(in: stderr, health: true) }

    /// Everything printed on standard output so far.
    var stdout: String { output.withLock { $0.stdout } }
    /// Everything printed on standard error so far (the log).
    var stderr: String { output.withLock { $0.stderr } }

    /// The API key printed on a first start (the line starting `arsk_`).
    var bootstrapKey: String? {
        stdout.split(separator: "\n").first { $0.hasPrefix("arsk_") }.map(String.init)
    }

    var isRunning: Bool { process.isRunning }

    /// Sends `signal` (SIGTERM, SIGINT, SIGKILL...) to the process.
    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the process to end (killing it after `timeout`); its exit code, or 128 + the signal.
    func waitForExit(timeout: Duration = .seconds(120)) async -> Int32 {
        let end = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < end {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            Issue.record("preflight serve did not exit within \(timeout); killing it")
            send(SIGKILL)
        }
        process.waitUntilExit()
        return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    }
}

/// What a process printed so far, appended from its pipes' handlers.
final class PrintedOutput: Sendable {
    private let text = Mutex<(stdout: String, stderr: String)>(("", ""))

    func withLock<T>(_ body: (inout (stdout: String, stderr: String)) -> T) -> T {
        text.withLock { body(&$0) }
    }
}

struct ServeError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
