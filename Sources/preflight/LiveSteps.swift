import Foundation
import PreflightCore
import Synchronization

/// `preflight ping` on a terminal: each step printed as it ends, and, on a TTY, the running step on a
/// line of its own with a spinner and its elapsed time, so a slow step shows where the time goes.
/// Not used with `--json`, which prints only the report.
final class LiveSteps: Sendable {
    private struct State {
        var open: (name: String, activity: String, started: ContinuousClock.Instant)?
        var frame = 0
        var shown = false
    }

    private let state = Mutex(State())
    private let isTerminal: Bool
    private let width = 14
    private static let frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
    private let ticker = Mutex<Task<Void, Never>?>(nil)

    /// Draws on a TTY when `isTerminal` (standard output is one, unless `TERM=dumb`).
    init(isTerminal: Bool = isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb") {
        self.isTerminal = isTerminal
        guard isTerminal else { return }
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                self?.redraw()
            }
        }
        ticker.withLock { $0 = task }
    }

    /// Whether anything was printed (the steps then need not be printed again).
    var printedSteps: Bool { state.withLock { $0.shown } }

    func handle(_ event: PingEvent) {
        switch event {
        case .stepStarted(let name, let activity):
            state.withLock { $0.open = (name, activity, .now) }
            redraw()
        case .stepEnded(let step):
            let line = ReportFormatter.stepLine(step, width: width)
            state.withLock { state in
                if state.open?.name == step.name { state.open = nil }
                state.shown = true
            }
            write(clearLine + line)
        case .check:
            break  // printed with the verdict, as a table
        }
    }

    /// Stops the spinner and clears its line.
    func finish() {
        ticker.withLock { $0?.cancel() }
        state.withLock { $0.open = nil }
        write(clearLine)
    }

    private var clearLine: String { isTerminal ? "\r\u{1B}[K" : "" }

    private func redraw() {
        guard isTerminal else { return }
        let line = state.withLock { state -> String? in
            guard let open = state.open else { return nil }
            state.frame += 1
            let elapsed = ContinuousClock.now - open.started
            let seconds = String(
                format: "%.1f s", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            let name = open.name.padding(toLength: width, withPad: " ", startingAt: 0)
            return
                "\(Self.frames[state.frame % Self.frames.count])    \(name) \(seconds.leftPadded(to: 9))  \(open.activity)"
        }
        if let line { write(clearLine + String(line.prefix(200))) }
    }

    private func write(_ text: String) {
        guard !text.isEmpty else { return }
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
