import Foundation
import PreflightCore

/// Renders reports for people and scripts.
enum ReportFormatter {
    /// pg_isready-style exit codes: 0 ok, 1 reached but rejected, 2 not reached, 3 invalid input or
    /// nothing attempted (a type this build cannot test).
    static func exitCode(for report: PingReport) -> Int32 {
        guard !report.ok, let category = report.category else { return 0 }
        if category == .invalidConfig || category == .unsupported { return 3 }
        return category.reachedServer ? 1 : 2
    }

    static func json(_ report: PingReport) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(report)
    }

    /// One line per step with its time, the readiness checks, then the verdict. With `stepsShown`, the
    /// steps were already printed as they happened (``LiveSteps``) and are left out.
    static func human(_ report: PingReport, stepsShown: Bool = false) -> String {
        var out = ""
        let width = max(8, (report.steps.map(\.name.count) + report.checks.map(\.name.count)).max() ?? 8)
        if !stepsShown {
            for step in report.steps { out += stepLine(step, width: width) }
        }
        if !report.checks.isEmpty {
            out += "readiness:\n"
            for check in report.checks {
                let name = check.name.padding(toLength: width, withPad: " ", startingAt: 0)
                let needs = check.required == "informational" ? "informational" : "needs \(check.required)"
                out += "\(mark(check.status)) \(name)  \(check.observed) (\(needs))\n"
                if let fix = check.fix, check.status != .passed {
                    out +=
                        "  \(String(repeating: " ", count: width))  fix: \(fix)\(check.restartRequired == true ? " [restart required]" : "")\n"
                }
            }
        }
        let total = milliseconds(report.durationMs)
        if report.ok {
            let notReady = report.checks.filter { $0.status == .failed }
            let warnings =
                report.steps.filter { $0.status == .warning }.count
                + report.checks.filter { $0.status == .warning }.count
            // A type with nothing to dial (api) passes without a connection: say that, not "works".
            let dialled = report.steps.contains { $0.status != .skipped }
            var verdict =
                dialled
                ? "OK: \(report.type.rawValue) works (\(total))"
                : "OK: \(report.type.rawValue) has nothing to dial from here (\(total)); see the skipped step"
            if let first = notReady.first {
                let more = notReady.count > 1 ? " (and \(notReady.count - 1) more)" : ""
                verdict +=
                    "; not ready for CDC: \(first.name) is \(first.observed), needs \(first.required)\(more); a source (--role source) would fail"
            }
            if warnings > 0 { verdict += "; \(warnings) warning\(warnings == 1 ? "" : "s")" }
            out += verdict + "\n"
        } else {
            out +=
                "FAILED [\(report.category?.rawValue ?? "?")\(report.transient == true ? ", transient" : "")]: \(report.message ?? "")\n"
            if let hint = report.hint { out += "hint: \(hint)\n" }
        }
        if let agent = report.agent {
            out += "ran on data plane \(report.dataPlane), agent \(agent)\n"
        }
        return out
    }

    /// A step's line (and its hint's, unless it passed).
    static func stepLine(_ step: PingStep, width: Int) -> String {
        let name = step.name.padding(toLength: width, withPad: " ", startingAt: 0)
        let time = milliseconds(step.durationMs).leftPadded(to: 9)
        var out = "\(mark(step.status)) \(name) \(time)  \(step.detail ?? "")\n"
        if let hint = step.hint, step.status != .passed {
            out += "  \(String(repeating: " ", count: width)) \(String(repeating: " ", count: 9))  hint: \(hint)\n"
        }
        return out
    }

    static func mark(_ status: StepStatus) -> String {
        switch status {
        case .passed: "ok  "
        case .failed: "FAIL"
        case .warning: "warn"
        case .skipped: "skip"
        }
    }

    static func milliseconds(_ ms: Double) -> String {
        ms < 10 ? String(format: "%.1f ms", ms) : String(format: "%.0f ms", ms)
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: " ", count: length - count) + self
    }
}
