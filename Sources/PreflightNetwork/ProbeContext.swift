import Foundation
import Logging
import NIOCore
import PreflightCore
import Synchronization

/// What a step may set besides passing: a detail, a hint, or a warning instead of a pass.
public struct StepOutcome: Sendable {
    public var detail: String?
    public var hint: String?
    public var status: StepStatus = .passed

    public init() {}
}

/// Everything a probe needs for one ping: the deadline, the trace it reports into, the network
/// policy, and the channels it opened (closed by the engine at the deadline, so no I/O outlives it).
public final class ProbeContext: Sendable {
    public let eventLoopGroup: any EventLoopGroup
    public let deadline: PingDeadline
    public let trace: PingTrace
    public let egress: EgressPolicy
    public let resolver: Resolver
    public let logger: Logger
    /// Whether failed readiness checks fail the ping (`connectionRole: "source"`).
    public let isSource: Bool
    /// The wall clock, for what is stamped with the time of day (signatures, token lifetimes, expiry);
    /// deadlines and durations come from `deadline.clock`.
    public let wallClock: @Sendable () -> Date
    /// The most a peer may send during one ping.
    public let inboundByteLimit: Int
    /// Set when the target is reached through a bastion rather than dialled.
    public let tunnel: (any TunnelOpener)?

    private let channels = Mutex<(open: [any Channel], closed: Bool)>(([], false))
    private let secrets = Mutex<[String]>([])

    public init(
        eventLoopGroup: any EventLoopGroup,
        deadline: PingDeadline,
        trace: PingTrace? = nil,
        egress: EgressPolicy = EgressPolicy(),
        resolver: Resolver = .system,
        logger: Logger,
        isSource: Bool = false,
        wallClock: @escaping @Sendable () -> Date = { Date() },
        inboundByteLimit: Int = 1 << 20,
        tunnel: (any TunnelOpener)? = nil,
        observer: (@Sendable (PingEvent) -> Void)? = nil
    ) {
        self.eventLoopGroup = eventLoopGroup
        self.deadline = deadline
        self.trace = trace ?? PingTrace(clock: deadline.clock, observer: observer)
        self.egress = egress
        self.resolver = resolver
        self.logger = logger
        self.isSource = isSource
        self.wallClock = wallClock
        self.inboundByteLimit = inboundByteLimit
        self.tunnel = tunnel
    }

    /// Records a secret obtained during the ping (a session token, an access token, temporary
    /// credentials, a signed JWT): the engine removes it from the report like the configured ones.
    public func rememberSecret(_ secret: String?) {
        guard let secret, !secret.isEmpty else { return }
        secrets.withLock { $0.append(secret) }
    }

    /// The secrets recorded with `rememberSecret`.
    public var runtimeSecrets: [String] { secrets.withLock { $0 } }

    /// Tracks a channel so that `closeAll` ends it; closes it at once if the ping is already over.
    public func register(_ channel: any Channel) {
        let alreadyClosed = channels.withLock { state in
            if !state.closed { state.open.append(channel) }
            return state.closed
        }
        if alreadyClosed { channel.close(promise: nil) }
    }

    /// Stops tracking a channel the ping hands on to something that outlives it (a shared SSH
    /// connection): `closeAll` leaves it open. False when the ping is already over (it was closed).
    @discardableResult
    public func release(_ channel: any Channel) -> Bool {
        channels.withLock { state in
            guard !state.closed else { return false }
            state.open.removeAll { $0 === channel }
            return true
        }
    }

    /// Closes every channel the ping opened (at the deadline, or when the probe ends).
    public func closeAll() {
        let open = channels.withLock { state in
            state.closed = true
            defer { state.open = [] }
            return state.open
        }
        for channel in open {
            // Discard after the close has run its course, so a late keep cannot outlive the ping.
            channel.close().whenComplete { _ in EarlyBytesLeftovers.discard(for: channel) }
        }
    }

    /// Runs one step: records it as begun (with what it is waiting for, should the deadline strike),
    /// then as passed, warning or failed with its duration. A `ProbeFailure` is recorded and rethrown;
    /// any other error becomes an `internal` failure. With a `retryNote` (another attempt follows, as
    /// " (trying the next host)"), a `ProbeFailure` is recorded as a warning with the note appended.
    public func step<T: Sendable>(
        _ name: StepName,
        _ activity: String,
        timeoutHint: String? = nil,
        retryNote: String? = nil,
        _ body: (inout StepOutcome) async throws -> T
    ) async throws(ProbeFailure) -> T {
        trace.begin(name, activity: activity, timeoutHint: timeoutHint)
        var outcome = StepOutcome()
        do {
            let value = try await body(&outcome)
            trace.end(name, status: outcome.status, detail: outcome.detail, hint: outcome.hint)
            return value
        } catch let failure as ProbeFailure {
            trace.end(
                name, status: retryNote == nil ? .failed : .warning, detail: failure.message + (retryNote ?? ""),
                hint: failure.hint)
            throw failure
        } catch {
            let failure = ProbeFailure(.internalError, "\(activity) failed unexpectedly: \(type(of: error))")
            logger.error(
                "unexpected error in step",
                metadata: ["step": "\(name)", "error": "\(String(reflecting: type(of: error)))"])
            trace.end(name, status: .failed, detail: failure.message)
            throw failure
        }
    }

    /// Resolves `host` (an IP literal needs no DNS) and records the `dns` step (named `stepName`) and,
    /// unless `recordTarget` is false, the ping's target.
    public func resolve(_ host: String, port: Int, stepName: StepName = .dns, recordTarget: Bool = true)
        async throws(ProbeFailure) -> [SocketAddress]
    {
        if recordTarget { trace.updateTarget({ _ in }, host: host, port: port) }
        if IPAddress(host) != nil {
            let address: SocketAddress
            do { address = try SocketAddress(ipAddress: host, port: port) } catch {
                throw ProbeFailure(.invalidConfig, "\(host) is not a usable IP address")
            }
            trace.note(stepName, status: .skipped, detail: "\(host) is an IP address")
            if recordTarget {
                trace.updateTarget({ $0.addresses = [Dialer.describe(address)] }, host: host, port: port)
            }
            return [address]
        }
        let resolver = self.resolver
        let budget = deadline.budget(atMost: .seconds(5))
        return try await step(
            stepName, "resolving \(host)",
            timeoutHint: "the DNS server did not answer in time; check this service's DNS settings"
        ) { outcome in
            let addresses = try await withDeadline(budget, activity: "resolving \(host)") {
                () async throws(ProbeFailure) in
                try await resolver.resolve(host, port: port, within: budget)
            }
            let shown = addresses.map(Dialer.describe)
            if recordTarget { trace.updateTarget({ $0.addresses = shown }, host: host, port: port) }
            outcome.detail = "\(host) resolves to \(addresses.compactMap(\.ipAddress).joined(separator: ", "))"
            return addresses
        }
    }

    /// Resolves and connects, recording `dns` and `connect`; through the tunnel when the ping has one.
    public func resolveAndConnect(_ host: String, port: Int) async throws(ProbeFailure) -> DialResult {
        if let tunnel {
            trace.updateTarget({ _ in }, host: host, port: port)
            return try await tunnel.open(toHost: host, port: port, context: self)
        }
        let addresses = try await resolve(host, port: port)
        let dialer = Dialer()
        return try await step(
            .connect, "connecting to \(host):\(port)",
            timeoutHint: "a firewall or security group is probably dropping traffic to this port"
        ) { outcome in
            let result = try await dialer.connect(to: addresses, host: host, context: self)
            trace.updateTarget({ $0.connectedAddress = Dialer.describe(result.address) }, host: host, port: port)
            outcome.detail = result.attempts.joined(separator: "; ")
            return result
        }
    }
}

/// Runs `operation`, failing with a `timeout` if it takes longer than `budget`. The operation is
/// cancelled, not awaited, when time runs out, so a stuck call cannot hold the ping past its budget.
public func withDeadline<T: Sendable>(
    _ budget: Duration,
    activity: String,
    _ operation: @escaping @Sendable () async throws(ProbeFailure) -> T
) async throws(ProbeFailure) -> T {
    let result: Result<T, ProbeFailure> = await withCheckedContinuation { continuation in
        let once = Mutex(false)
        let resume: @Sendable (Result<T, ProbeFailure>) -> Void = { result in
            let first = once.withLock { done in
                defer { done = true }
                return !done
            }
            if first { continuation.resume(returning: result) }
        }
        let timer = Task {
            try await Task.sleep(for: budget)
            resume(.failure(ProbeFailure(.timeout, "\(activity) took longer than \(budget.humanDescription)")))
        }
        let work = Task {
            do throws(ProbeFailure) { resume(.success(try await operation())) } catch { resume(.failure(error)) }
            timer.cancel()
        }
        Task {
            // Cancel the work when the timer fires (not awaited: it must not hold the caller).
            _ = await timer.result
            if !timer.isCancelled { work.cancel() }
        }
    }
    return try result.get()
}
