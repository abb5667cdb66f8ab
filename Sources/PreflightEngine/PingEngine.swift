import Logging
import Metrics
import NIOCore
import NIOPosix
import PreflightCore
import PreflightNetwork
import Synchronization

/// Runs pings: validates the payload, picks the probe for its type, runs it under one deadline, and
/// turns whatever happened into a categorised, redacted report. Shared by the HTTP API and the CLI.
///
/// The engine knows no connector: the probes it can run are the `factories` it is given (the
/// service and the CLI pass `ProbeRegistry.builtIn`; tests pass the one they exercise).
public final class PingEngine: Sendable {
    public let configuration: EngineConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let factories: [ConnectorType: any ProbeFactory]
    private let descriptions: [ConnectorType: ConnectorDescription]
    private let inFlight = Atomic<Int>(0)

    public init(
        configuration: EngineConfiguration = EngineConfiguration(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "preflight.engine"),
        factories: [any ProbeFactory]
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        var byType: [ConnectorType: any ProbeFactory] = [:]
        for factory in factories {
            for type in factory.types { byType[type] = factory }
        }
        self.factories = byType
        var described: [ConnectorType: ConnectorDescription] = [:]
        for description in factories.flatMap(\.descriptions) { described[description.type] = description }
        self.descriptions = described
    }

    /// The types that can be probed (the rest answer `unsupported`).
    public var probedTypes: [ConnectorType] { factories.keys.sorted { $0.rawValue < $1.rawValue } }

    /// Every connector type, described: the keys of the ones this engine probes (from their factories),
    /// the others as `probed: false`. What `GET /connector-types` serves.
    public var catalog: [ConnectorDescription] { ConnectorDescription.catalog(Array(descriptions.values)) }

    /// Pings running now.
    public var pingsInFlight: Int { inFlight.load(ordering: .relaxed) }

    /// A ping that passed validation and is ready to run.
    public struct PreparedPing: Sendable {
        public let payload: ConnectorPayload
        let probe: (any Probe)?
        let timeout: Duration
        let redactor: Redactor
        let tunnel: (any TunnelOpener)?
    }

    /// Validates everything that can be checked without the network: the data plane, the timeout,
    /// and the type's `sharedConfig` keys. `tunnel` is the bastion the caller resolved from
    /// `payload.sshTunnelUUID` (the engine does not look tunnels up: that is the caller's, company-scoped).
    public func prepare(_ payload: ConnectorPayload, tunnel: (any TunnelOpener)? = nil) throws(InvalidConfig)
        -> PreparedPing
    {
        if let plane = payload.dataPlaneName, plane != configuration.planeName {
            throw InvalidConfig(
                "unknown dataPlaneName \"\(plane.prefix(60))\"; known planes: \(configuration.planeName)")
        }
        if let uuid = payload.sshTunnelUUID, tunnel == nil {
            throw InvalidConfig("sshTunnelUUID \(uuid.uuidString.lowercased()) is not an SSH tunnel of this company")
        }
        var timeout = configuration.defaultTimeout
        if let seconds = payload.timeoutSeconds, seconds * 1000 < timeout.milliseconds {
            // Compared as Double first: a huge value must not overflow the conversion.
            timeout = .milliseconds(Int64(seconds * 1000))
        }
        if let description = descriptions[payload.type] {
            try description.validateControlCharacters(in: payload.sharedConfig)
        }
        let probe = try factories[payload.type]?.makeProbe(for: payload)
        return PreparedPing(
            payload: payload, probe: probe, timeout: timeout, redactor: Redactor(config: payload.sharedConfig),
            tunnel: tunnel)
    }

    /// Validates and runs a ping, counting it against the in-flight limit. `events` hears each step and
    /// check as it happens, redacted like the report (see ``run(_:events:)``).
    public func ping(
        _ payload: ConnectorPayload, tunnel: (any TunnelOpener)? = nil,
        events: (@Sendable (PingEvent) -> Void)? = nil
    ) async throws(PingRequestError) -> PingReport {
        let prepared: PreparedPing
        do { prepared = try prepare(payload, tunnel: tunnel) } catch { throw .invalid(error) }
        guard acquire() else { throw .overloaded(retryAfterSeconds: 1) }
        defer { release() }
        return await run(prepared, events: events)
    }

    /// Reserves a place among the in-flight pings; false when full.
    public func acquire() -> Bool {
        let (_, running) = inFlight.wrappingAdd(1, ordering: .acquiring)
        if running > configuration.maxInFlight {
            inFlight.wrappingSubtract(1, ordering: .releasing)
            return false
        }
        Gauge(label: "preflight_pings_in_flight").record(running)
        return true
    }

    /// Gives back a place taken by `acquire`.
    public func release() {
        let (_, running) = inFlight.wrappingSubtract(1, ordering: .releasing)
        Gauge(label: "preflight_pings_in_flight").record(running)
    }

    /// Runs a prepared ping to its end or its deadline, whichever is first. Never throws, never outlives the
    /// deadline. `events` hears each step and check as it is recorded, with the payload's secrets and those
    /// learnt so far removed. If the calling task is cancelled (a client that went away), the ping stops
    /// at once as at its deadline: its sockets are closed and a report saying so is returned.
    public func run(_ prepared: PreparedPing, events: (@Sendable (PingEvent) -> Void)? = nil) async -> PingReport {
        let deadline = PingDeadline(clock: configuration.clock, timeout: prepared.timeout)
        let type = prepared.payload.type
        guard let probe = prepared.probe else { return unsupported(type, deadline: deadline) }
        var relay: EventRelay?
        var observer: (@Sendable (PingEvent) -> Void)?
        if let events {
            let made = EventRelay(redactor: prepared.redactor, emit: events)
            relay = made
            observer = { event in made.send(event) }
        }
        // One loop for the ping: its sockets, its deadline and (by default) its probe's task.
        let loop = eventLoopGroup.any()
        let context = ProbeContext(
            eventLoopGroup: configuration.probesOnEventLoop ? loop : eventLoopGroup, deadline: deadline,
            egress: configuration.egress,
            logger: logger, isSource: prepared.payload.isSource, wallClock: configuration.wallClock,
            inboundByteLimit: configuration.inboundByteLimit,
            tunnel: prepared.tunnel, observer: observer)
        relay?.attach(context)
        let limit = deadline.total.humanDescription
        let outcome = await Self.race(
            deadline: deadline, on: loop, executor: configuration.probesOnEventLoop ? EventLoopTaskExecutor(loop) : nil,
            atDeadline: { cancelled in
                // Runs on an event loop, not the task pool, so a busy process still stops on time. Seal
                // before closing the sockets: the probe, failing on the closed socket, must not get to
                // record its own (misleading) ending of the step that timed out.
                let sealed = context.trace.seal(
                    openStepDetail: cancelled
                        ? "stopped: the caller went away" : "no answer within the ping's \(limit) deadline")
                context.closeAll()
                return sealed
            }
        ) { () async -> ProbeFailure? in
            do throws(ProbeFailure) {
                try await probe.run(in: context)
                return nil
            } catch {
                return error
            }
        }
        return finish(outcome, prepared: prepared, probe: probe, context: context, deadline: deadline, limit: limit)
    }

    /// The report of a run that ended. Kept out of `run`: an async function's frame holds what lives
    /// across its awaits, and each pending ping holds its frame until the end.
    private func finish(
        _ outcome: RaceOutcome, prepared: PreparedPing, probe: any Probe, context: ProbeContext,
        deadline: PingDeadline, limit: String
    ) -> PingReport {
        let type = prepared.payload.type
        var report: PingReport
        switch outcome {
        case .finished(let failure):
            context.closeAll()
            let (steps, checks, target, _) = context.trace.seal()
            report = PingReport(
                ok: failure == nil, type: type, category: failure?.category,
                transient: failure.map { $0.transient ?? $0.category.isTransient },
                message: failure?.message, hint: failure?.hint, durationMs: deadline.elapsedMs,
                dataPlane: configuration.planeName, target: target ?? probe.target, steps: steps, checks: checks)
        case .cancelled(let sealed, let elapsedMs):
            let activity = sealed.open?.activity ?? "running the ping"
            report = PingReport(
                ok: false, type: type, category: .timeout, transient: true,
                message: "stopped after \(elapsedMs.rounded()) ms \(activity): the caller went away",
                durationMs: elapsedMs, dataPlane: configuration.planeName, target: sealed.target ?? probe.target,
                steps: sealed.steps, checks: sealed.checks)
            report = prepared.redactor.adding(context.runtimeSecrets).redact(report)
            logger.info("ping cancelled", metadata: ["type": "\(type)", "duration_ms": "\(Int(elapsedMs))"])
            return report
        case .deadline(let sealed, let elapsedMs):
            let activity = sealed.open?.activity ?? "running the ping"
            report = PingReport(
                ok: false, type: type, category: .timeout, transient: true,
                message: "timed out after \(limit) \(activity)",
                hint: Self.timeoutHint(sealed.open, egressAddresses: configuration.egressAddresses),
                durationMs: elapsedMs,
                dataPlane: configuration.planeName, target: sealed.target ?? probe.target,
                steps: sealed.steps, checks: sealed.checks)
        }
        report = prepared.redactor.adding(context.runtimeSecrets).redact(report)
        record(report)
        return report
    }

    private func unsupported(_ type: ConnectorType, deadline: PingDeadline) -> PingReport {
        let report = PingReport(
            ok: false, type: type, category: .unsupported, transient: false,
            message:
                "Preflight cannot test \(type.productName) (\(type.rawValue)) connections yet; nothing was attempted",
            hint: "types tested today: \(probedTypes.map(\.rawValue).joined(separator: ", "))",
            durationMs: deadline.elapsedMs, dataPlane: configuration.planeName)
        record(report)
        return report
    }

    /// The open step's hint; for a connection that never answered (most often a firewall that drops
    /// packets), also the addresses the ping came from, to allowlist.
    static func timeoutHint(_ open: PingTrace.OpenStep?, egressAddresses: [String]) -> String? {
        guard let open else { return nil }
        guard [StepName.connect, .sshConnect].contains(open.name) || open.name.rawValue.hasSuffix("_connect") else {
            return open.timeoutHint
        }
        let from =
            egressAddresses.isEmpty
            ? "this service's outbound address (its operator can declare it with serve --egress-ips)"
            : "\(egressAddresses.joined(separator: ", ")) (this service's outbound address\(egressAddresses.count == 1 ? "" : "es"))"
        let allow = "if a firewall or security group filters by source, allow connections from \(from)"
        return [open.timeoutHint, allow].compactMap { $0 }.joined(separator: "; ")
    }

    private typealias Sealed = (
        steps: [PingStep], checks: [ReadinessCheck], target: PingTarget?, open: PingTrace.OpenStep?
    )

    private enum RaceOutcome: Sendable {
        case finished(ProbeFailure?)
        case deadline(Sealed, elapsedMs: Double)
        case cancelled(Sealed, elapsedMs: Double)
    }

    /// Resolves when `work` finishes or the deadline passes, whichever is first. On the system clock
    /// the deadline is kept by `loop` (an event loop thread, which CPU-heavy work on the task pool
    /// cannot delay); on another clock (a test's) a task sleeps on it and hands over to `loop`. Either
    /// way `atDeadline` runs on `loop`, seals the trace and closes the sockets, and the work is
    /// cancelled, not awaited. Cancelling the calling task does the same at once (`atDeadline(true)`).
    private static func race(
        deadline: PingDeadline,
        on loop: any EventLoop,
        executor: EventLoopTaskExecutor?,
        atDeadline: @escaping @Sendable (_ cancelled: Bool) -> Sealed,
        _ work: @escaping @Sendable () async -> ProbeFailure?
    ) async -> RaceOutcome {
        let onCancel = CancelHook()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<RaceOutcome, Never>) in
                let once = OnceFlag()
                let stopTimer = CancelHook()
                let job = Task(executorPreference: executor) {
                    let failure = await work()
                    stopTimer.fire()
                    if once.claim() { continuation.resume(returning: .finished(failure)) }
                }
                onCancel.set {
                    loop.execute {
                        guard once.claim() else { return }
                        let sealed = atDeadline(true)
                        job.cancel()
                        continuation.resume(returning: .cancelled(sealed, elapsedMs: deadline.elapsedMs))
                    }
                }
                startDeadline(
                    deadline, on: loop, once: once, job: job, stopTimer: stopTimer, continuation: continuation
                ) {
                    atDeadline(false)
                }
            }
        } onCancel: {
            onCancel.fire()
        }
    }

    /// Arms the deadline of `race`: at `deadline.end` (kept on `loop`), unless the work finished first.
    /// The job fires `stopTimer` when it ends (no task of its own waits for it).
    private static func startDeadline(
        _ deadline: PingDeadline, on loop: any EventLoop, once: OnceFlag, job: Task<Void, Never>,
        stopTimer: CancelHook, continuation: CheckedContinuation<RaceOutcome, Never>,
        atDeadline: @escaping @Sendable () -> Sealed
    ) {
        let expire: @Sendable () -> Void = {
            guard once.claim() else { return }
            let sealed = atDeadline()
            job.cancel()
            continuation.resume(returning: .deadline(sealed, elapsedMs: deadline.elapsedMs))
        }
        let cancelTimer: @Sendable () -> Void
        if deadline.clock is SystemPingClock {
            let nanoseconds = Int64(deadline.remaining.milliseconds * 1_000_000)
            let timer = loop.scheduleTask(in: .nanoseconds(max(nanoseconds, 0)), expire)
            cancelTimer = { timer.cancel() }
        } else {
            let sleeper = Task {
                guard (try? await deadline.clock.sleep(until: deadline.end)) != nil else { return }
                loop.execute(expire)
            }
            cancelTimer = { sleeper.cancel() }
        }
        stopTimer.set(cancelTimer)
    }

    private func record(_ report: PingReport) {
        let category = report.category?.rawValue ?? "ok"
        Counter(label: "preflight_pings_total", dimensions: [("type", report.type.rawValue), ("category", category)])
            .increment()
        Timer(label: "preflight_ping_duration_seconds", dimensions: [("type", report.type.rawValue)])
            .recordNanoseconds(Int64(report.durationMs * 1_000_000))
        logger.log(
            level: configuration.finishedLogLevel, "ping finished",
            metadata: [
                "type": "\(report.type)", "category": "\(category)", "duration_ms": "\(Int(report.durationMs))",
                "target": "\(report.target?.host ?? "-")",
            ])
    }
}

/// The cancellation of a `race`: set once the race has started; fired at most once, at once if the task
/// was already cancelled when it is set.
final class CancelHook: Sendable {
    private let state = Mutex<(action: (@Sendable () -> Void)?, fired: Bool)>((nil, false))

    func set(_ action: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.fired { return true }
            state.action = action
            return false
        }
        if runNow { action() }
    }

    func fire() {
        let action = state.withLock { state -> (@Sendable () -> Void)? in
            state.fired = true
            defer { state.action = nil }
            return state.action
        }
        action?()
    }
}

/// Hands a ping's events to its listener with the payload's secrets, and those the probe has learnt
/// so far (tokens a peer issued), removed.
final class EventRelay: Sendable {
    let redactor: Redactor
    let emit: @Sendable (PingEvent) -> Void
    private let context = Mutex<ProbeContext?>(nil)
    /// The redactor with the secrets learnt so far, rebuilt only when the probe learns another one.
    private let current = Mutex<(learnt: Int, redactor: Redactor)?>(nil)

    init(redactor: Redactor, emit: @escaping @Sendable (PingEvent) -> Void) {
        self.redactor = redactor
        self.emit = emit
    }

    func attach(_ context: ProbeContext) { self.context.withLock { $0 = context } }

    func send(_ event: PingEvent) {
        let learnt = context.withLock { $0?.runtimeSecrets } ?? []
        let redactor = current.withLock { current -> Redactor in
            if let current, current.learnt == learnt.count { return current.redactor }
            let made = learnt.isEmpty ? self.redactor : self.redactor.adding(learnt)
            current = (learnt.count, made)
            return made
        }
        emit(redactor.redact(event))
    }
}

/// True for the first caller of `claim` only.
final class OnceFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func claim() -> Bool { !flag.exchange(true, ordering: .acquiringAndReleasing) }
}
