import PreflightCore

extension Components.Schemas.PingReport {
    /// The wire form of an engine report.
    ///
    /// The engine has already redacted the report's free text; `redactor` runs once more over every
    /// string, including the target (which the engine leaves as sent, and which can hold a connection
    /// string with a password), as defence in depth.
    init(_ report: PreflightCore.PingReport, redactor: Redactor) {
        var report = redactor.redact(report)
        if var target = report.target {
            target.host = redactor.redact(target.host)
            target.addresses = target.addresses.map(redactor.redact)
            target.connectedAddress = target.connectedAddress.map(redactor.redact)
            report.target = target
        }
        self.init(
            ok: report.ok,
            _type: report.type,
            category: report.category.map(Components.Schemas.FailureCategory.init),
            transient: report.transient,
            message: report.message,
            hint: report.hint,
            durationMs: report.durationMs,
            dataPlane: report.dataPlane,
            target: report.target.map(Components.Schemas.PingTarget.init),
            steps: report.steps.map(Components.Schemas.PingStep.init),
            checks: report.checks.map(Components.Schemas.ReadinessCheck.init))
    }
}

extension Components.Schemas.FailureCategory {
    init(_ category: PreflightCore.FailureCategory) {
        // Both enums list the same stable strings (a test checks every case).
        self = Self(rawValue: category.rawValue) ?? ._internal
    }
}

extension Components.Schemas.StepStatus {
    init(_ status: PreflightCore.StepStatus) {
        self = Self(rawValue: status.rawValue) ?? .failed
    }
}

extension Components.Schemas.PingStep {
    init(_ step: PreflightCore.PingStep) {
        self.init(
            name: step.name, status: .init(step.status), durationMs: step.durationMs,
            detail: step.detail, hint: step.hint)
    }
}

extension Components.Schemas.ReadinessCheck {
    init(_ check: PreflightCore.ReadinessCheck) {
        self.init(
            name: check.name, status: .init(check.status), observed: check.observed, required: check.required,
            detail: check.detail, fix: check.fix, restartRequired: check.restartRequired)
    }
}

extension Components.Schemas.PingTarget {
    init(_ target: PreflightCore.PingTarget) {
        self.init(
            host: target.host, port: target.port, addresses: target.addresses, connectedAddress: target.connectedAddress
        )
    }
}
