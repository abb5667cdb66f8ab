import Synchronization

/// Collects a ping's steps, checks and target as the probe runs; safe to use from any task.
///
/// The engine reads it when the probe ends, or at the deadline while a step is still running,
/// in which case that step is reported as the one that timed out.
public final class PingTrace: Sendable {
    /// A step that has begun and not ended.
    public struct OpenStep: Sendable {
        public var name: StepName
        /// What the step is waiting for, for a timeout message ("connecting to 10.0.0.5:5432").
        public var activity: String
        /// What to do when this step times out.
        public var timeoutHint: String?
        /// When it began, on the trace's clock.
        public var started: Duration
    }

    private struct State {
        var steps: [PingStep] = []
        var checks: [ReadinessCheck] = []
        var target: PingTarget?
        var open: OpenStep?
        var sealed = false
    }

    private let state = Mutex(State())
    private let clock: any PingClock
    private let observer: (@Sendable (PingEvent) -> Void)?

    /// A trace whose step durations are measured on `clock` (the ping deadline's). `observer` hears each
    /// step and check as it is recorded (never while the trace is locked, never after it is sealed,
    /// except for the open step that sealing ends).
    public init(clock: any PingClock = SystemPingClock(), observer: (@Sendable (PingEvent) -> Void)? = nil) {
        self.clock = clock
        self.observer = observer
    }

    /// Marks a step as begun.
    public func begin(_ name: StepName, activity: String, timeoutHint: String? = nil) {
        let recorded = state.withLock { state -> Bool in
            guard !state.sealed else { return false }
            state.open = OpenStep(name: name, activity: activity, timeoutHint: timeoutHint, started: clock.now)
            return true
        }
        if recorded { observer?(.stepStarted(name: name.rawValue, activity: activity)) }
    }

    /// Ends the open step (if it has this name) with a status.
    public func end(_ name: StepName, status: StepStatus, detail: String? = nil, hint: String? = nil) {
        let step = state.withLock { state -> PingStep? in
            guard !state.sealed else { return nil }
            let now = clock.now
            let started = state.open?.name == name ? state.open!.started : now
            if state.open?.name == name { state.open = nil }
            let step = PingStep(
                name: name.rawValue, status: status, durationMs: (now - started).milliseconds,
                detail: detail, hint: hint)
            state.steps.append(step)
            return step
        }
        if let step { observer?(.stepEnded(step)) }
    }

    /// Records a step that took no time of its own (e.g. a skipped one).
    public func note(_ name: StepName, status: StepStatus, detail: String? = nil, hint: String? = nil) {
        let step = state.withLock { state -> PingStep? in
            guard !state.sealed else { return nil }
            let step = PingStep(name: name.rawValue, status: status, durationMs: 0, detail: detail, hint: hint)
            state.steps.append(step)
            return step
        }
        if let step { observer?(.stepEnded(step)) }
    }

    /// Adds a readiness check.
    public func check(_ check: ReadinessCheck) {
        let recorded = state.withLock { state -> Bool in
            guard !state.sealed else { return false }
            state.checks.append(check)
            return true
        }
        if recorded { observer?(.check(check)) }
    }

    /// Sets or updates what the ping is aimed at.
    public func updateTarget(_ update: (inout PingTarget) -> Void, host: String, port: Int?) {
        state.withLock { state in
            var target = state.target ?? PingTarget(host: host, port: port)
            update(&target)
            state.target = target
        }
    }

    /// Closes the trace: the open step (if any) is recorded as failed with `detail`, and later writes
    /// from a probe still winding down are ignored. Returns what was collected and the step that was open.
    public func seal(openStepDetail: String? = nil) -> (
        steps: [PingStep], checks: [ReadinessCheck], target: PingTarget?, open: OpenStep?
    ) {
        let (sealed, ended) = state.withLock { state in
            let open = state.open
            var ended: PingStep?
            if let open, !state.sealed {
                let step = PingStep(
                    name: open.name.rawValue, status: .failed, durationMs: (clock.now - open.started).milliseconds,
                    detail: openStepDetail, hint: open.timeoutHint)
                state.steps.append(step)
                state.open = nil
                ended = step
            }
            state.sealed = true
            return ((state.steps, state.checks, state.target, open), ended)
        }
        if let ended { observer?(.stepEnded(ended)) }
        return sealed
    }
}
