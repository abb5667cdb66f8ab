import PreflightCore

// TEMPORARY: free-text step names for modules not yet converted to `StepName`; removed in this change.
extension ProbeContext {
    @_disfavoredOverload
    public func step<T: Sendable>(
        _ name: String, _ activity: String, timeoutHint: String? = nil, retryNote: String? = nil,
        _ body: (inout StepOutcome) async throws -> T
    ) async throws(ProbeFailure) -> T {
        try await step(StepName(rawValue: name), activity, timeoutHint: timeoutHint, retryNote: retryNote, body)
    }
}

extension PingTrace {
    @_disfavoredOverload
    public func note(_ name: String, status: StepStatus, detail: String? = nil, hint: String? = nil) {
        note(StepName(rawValue: name), status: status, detail: detail, hint: hint)
    }
}
