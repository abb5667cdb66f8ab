/// What a set of readiness checks means for the ping, the same way for every connector: the
/// `readiness` step's status and detail, and, for a source, the failure that ends the ping. Pure.
public enum ReadinessVerdict {
    /// The `readiness` step's status, detail and hint. Failed checks fail the step only for a source;
    /// otherwise they are warnings. `subject` starts the sentences ("not ready for change streams").
    public static func step(
        for checks: [ReadinessCheck], isSource: Bool, readyFor purpose: String
    ) -> (status: StepStatus, detail: String, hint: String?) {
        let failed = checks.filter { $0.status == .failed }
        let warned = checks.filter { $0.status == .warning }
        if !failed.isEmpty {
            return (
                isSource ? .failed : .warning,
                "not ready for \(purpose): "
                    + failed.map { "\($0.name) is \($0.observed) (needs \($0.required))" }.joined(separator: "; "),
                isSource ? failed.first?.fix : "these fail the ping when connectionRole is \"source\""
            )
        }
        if !warned.isEmpty {
            return (
                .warning,
                "ready, with warnings: " + warned.map { "\($0.name): \($0.observed)" }.joined(separator: "; "),
                warned.first?.fix
            )
        }
        return (.passed, "ready for \(purpose) (\(checks.count) checks passed)", nil)
    }

    /// For a source with failed checks: `cdc_not_ready` listing them, the first fix as the hint, and
    /// whether a restart is needed. Nil when nothing failed.
    public static func sourceFailure(for checks: [ReadinessCheck], server: String) -> ProbeFailure? {
        let failed = checks.filter { $0.status == .failed }
        guard let first = failed.first else { return nil }
        let restart = failed.contains { $0.restartRequired == true }
        return ProbeFailure(
            .cdcNotReady,
            "\(server) is not ready for change data capture: "
                + failed.map { "\($0.name) is \($0.observed), needs \($0.required)" }.joined(separator: "; "),
            hint: (first.fix ?? "") + (restart ? " (a restart is required)" : ""))
    }

    /// The `readiness` step for destination checks (`connectionRole: "destination"`, or a type that is
    /// only ever a destination): a failed check fails the step, its fix is the hint.
    public static func destinationStep(for checks: [ReadinessCheck], writingTo target: String) -> (
        status: StepStatus, detail: String, hint: String?
    ) {
        let failed = checks.filter { $0.status == .failed }
        let warned = checks.filter { $0.status == .warning }
        if !failed.isEmpty {
            return (
                .failed,
                "cannot write to \(target): "
                    + failed.map { "\($0.name) is \($0.observed) (needs \($0.required))" }.joined(separator: "; "),
                failed.first?.fix
            )
        }
        if !warned.isEmpty {
            return (
                .warning,
                "can write to \(target), with warnings: "
                    + warned.map { "\($0.name): \($0.observed)" }.joined(separator: "; "),
                warned.first?.fix
            )
        }
        return (.passed, "can write to \(target) (\(checks.count) checks passed)", nil)
    }

    /// For a destination with failed checks: `permission` (the user, or the server, cannot write what
    /// the pipeline writes) listing them, the first fix as the hint. Nil when nothing failed.
    public static func destinationFailure(for checks: [ReadinessCheck], server: String, target: String)
        -> ProbeFailure?
    {
        let failed = checks.filter { $0.status == .failed }
        guard let first = failed.first else { return nil }
        return ProbeFailure(
            .permission,
            "\(server) is not ready as a destination (\(target)): "
                + failed.map { "\($0.name) is \($0.observed), needs \($0.required)" }.joined(separator: "; "),
            hint: failed.count > 1
                ? "Fix: " + failed.compactMap(\.fix).joined(separator: " ")
                : first.fix.map { "Fix: \($0)" })
    }
}
