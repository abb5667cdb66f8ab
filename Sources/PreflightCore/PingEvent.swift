/// What a ping has just done, for callers that show progress as it happens (the API's event stream,
/// the CLI on a terminal). The final report still says everything; events only say it sooner.
public enum PingEvent: Sendable, Equatable {
    /// A step began; `activity` is what it is waiting for ("connecting to 10.0.0.5:5432").
    case stepStarted(name: String, activity: String)
    /// A step ended (or was recorded without taking time, e.g. `skipped`), as it will be in the report.
    case stepEnded(PingStep)
    /// A readiness check was recorded.
    case check(ReadinessCheck)
}

extension Redactor {
    /// Redacts an event's every free-text field, as `redact(_:)` does a report's.
    public func redact(_ event: PingEvent) -> PingEvent {
        switch event {
        case .stepStarted(let name, let activity):
            return .stepStarted(name: name, activity: redact(activity))
        case .stepEnded(var step):
            step.detail = step.detail.map(redact)
            step.hint = step.hint.map(redact)
            return .stepEnded(step)
        case .check(var check):
            check.observed = redact(check.observed)
            check.detail = check.detail.map(redact)
            check.fix = check.fix.map(redact)
            return .check(check)
        }
    }
}
