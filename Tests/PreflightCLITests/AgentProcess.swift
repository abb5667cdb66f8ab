import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `preflight agent` (or any `preflight` command) running in the background, optionally under a
/// wrapper (`ip netns exec NAME`): its output collected as it comes, signals, and its exit.
final class AgentProcess: Sendable {
    private let process: Process
    private let output: PrintedOutput

    private init(process: Process, output: PrintedOutput) {
        self.process = process
        self.output = output
    }

    /// Starts `[wrapper...] preflight arguments...` with the variables `unset` removed, then `environment`
    /// added (or `executable arguments...` instead of `preflight`, for a peer script).
    static func start(
        _ arguments: [String], environment: [String: String] = [:], wrapper: [String] = [], unset: [String] = [],
        executable: URL? = nil
    ) throws -> AgentProcess {
        let process = Process()
        if let executable {
            process.executableURL = executable
            process.arguments = arguments
        } else if wrapper.isEmpty {
            process.executableURL = CLI.binary
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: wrapper[0])
            process.arguments = Array(wrapper.dropFirst()) + [CLI.binary.path] + arguments
        }
        var env = ProcessInfo.processInfo.environment
        for name in unset { env.removeValue(forKey: name) }
        env.merge(environment) { $1 }
        process.environment = env
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
        return AgentProcess(process: process, output: output)
    }

    var stdout: String { output.withLock { $0.stdout } }
    var stderr: String { output.withLock { $0.stderr } }
    var isRunning: Bool { process.isRunning }

    /// Waits until its standard error contains `text` (true), or it exits or `timeout` passes (false).
    /// (`standardOutput`: its standard output instead.)
    func waitFor(_ text: String, timeout: Duration = .seconds(60), standardOutput: Bool = false) async -> Bool {
        let end = ContinuousClock.now + timeout
        let printed = { standardOutput ? self.stdout : self.stderr }
        while ContinuousClock.now < end {
            if printed().contains(text) { return true }
            guard process.isRunning else { return printed().contains(text) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the end (killing it after `timeout`); its exit code, or 128 + the signal.
    func waitForExit(timeout: Duration = .seconds(60)) async -> Int32 {
        let end = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < end {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning { send(SIGKILL) }
        process.waitUntilExit()
        return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    }

    /// Ends it (SIGKILL) if it still runs.
    func stop() async {
        if process.isRunning { send(SIGKILL) }
        _ = await waitForExit(timeout: .seconds(10))
    }
}
