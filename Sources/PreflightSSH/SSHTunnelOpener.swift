import Logging
import NIOCore
import NIOSSH
import PreflightCore
import PreflightNetwork

/// Reaches a target through an SSH bastion: resolve and connect to the bastion (egress policy applies to
/// its address), handshake with host-key pinning, public-key auth, then a direct-tcpip channel to the
/// target as the bastion sees it. Steps: `ssh_dns`, `ssh_connect`, `ssh_handshake`, `ssh_auth`, `ssh_channel`.
public struct SSHTunnelOpener: TunnelOpener {
    public let spec: SSHTunnelSpec
    /// Called with the bastion's fingerprint the first time a connection succeeds (trust on first use).
    public let onHostKeyLearned: @Sendable (String) async -> Void
    /// Where authenticated connections are shared between pings (nil: each ping has its own).
    public let sessions: SSHSessionPool?

    public init(
        spec: SSHTunnelSpec, sessions: SSHSessionPool? = nil,
        onHostKeyLearned: @escaping @Sendable (String) async -> Void = { _ in }
    ) {
        self.spec = spec
        self.sessions = sessions
        self.onHostKeyLearned = onHostKeyLearned
    }

    private var bastion: String { "the SSH bastion \(spec.host):\(spec.port)" }

    public func open(toHost host: String, port: Int, context: ProbeContext) async throws(ProbeFailure) -> DialResult {
        // The SSH part may use at most 60% of the ping, so the database's own steps keep time for an answer.
        let sshBudget = context.deadline.budget(atMost: context.deadline.total * 0.6)
        let sshEnd = ContinuousClock.now + sshBudget
        if let sessions,
            let reused = try await reuse(sessions, toHost: host, port: port, until: sshEnd, context: context)
        {
            return reused
        }
        let bastionDial = try await connectToBastion(context: context)
        let channel = bastionDial.channel
        let log = SSHSessionLog()
        let authenticated = channel.eventLoop.makePromise(of: Void.self)
        let mismatch = MismatchRecord()
        let trace = context.trace
        let spec = self.spec
        context.trace.begin(
            .sshHandshake, activity: "waiting for \(bastion) to complete the SSH handshake",
            timeoutHint: "the bastion accepted TCP but did not finish the SSH handshake; is it an SSH server?")
        do {
            try await channel.eventLoop.submit {
                let sync = channel.pipeline.syncOperations
                try sync.addHandler(QuickAck(), position: .first)
                QuickAck.arm(channel)
                try sync.addHandler(FirstBytesGuard(record: mismatch) { $0 == UInt8(ascii: "S") })
                let handler = NIOSSHHandler(
                    role: .client(
                        .init(
                            userAuthDelegate: OfferKeyOnce(username: spec.username, key: spec.privateKey, log: log) {
                                channel.close(promise: nil)
                            },
                            serverAuthDelegate: PinnedHostKey(pinned: spec.pinnedHostKey, log: log) {
                                let key = log.snapshot.hostKey ?? "?"
                                trace.end(
                                    .sshHandshake, status: .passed,
                                    detail:
                                        spec.pinnedHostKey == nil
                                        ? SSHHostKeyLearned.detail(firstUse: key)
                                        : "host key \(key) (matches the pinned key)"
                                )
                                trace.begin(
                                    .sshAuth,
                                    activity:
                                        "waiting for \(spec.host) to accept our key for user \"\(spec.username)\"",
                                    timeoutHint: "the bastion did not answer the authentication request")
                            })),
                    allocator: channel.allocator,
                    inboundChildChannelInitializer: nil)
                try sync.addHandler(handler)
                try sync.addHandler(UserEventWatcher(promise: authenticated) { $0 is UserAuthSuccessEvent })
                channel.releaseEarlyBytes()
            }.get()
        } catch {
            throw ProbeFailure(.internalError, "could not start SSH: \(error)")
        }
        let authResult: Result<Void, any Error> = await waitUntil(sshEnd, authenticated.futureResult, on: channel)
        let seen = log.snapshot
        if case .failure(let error) = authResult {
            let failure = describeSessionFailure(error, seen: seen, mismatch: mismatch.peer)
            let stage: StepName = seen.hostKey == nil || seen.hostKeyMismatch ? .sshHandshake : .sshAuth
            trace.end(stage, status: .failed, detail: failure.message, hint: failure.hint)
            throw failure
        }
        trace.end(.sshAuth, status: .passed, detail: "user \"\(spec.username)\" authenticated with our key")
        if spec.pinnedHostKey == nil, let key = seen.hostKey { await onHostKeyLearned(key) }
        var pooled: SSHSessionPool.Key?
        if let sessions, context.release(channel) {
            // From here the connection belongs to the pool, not to this ping: its deadline closes only
            // its own channel, and the ping's byte limit is each channel's (set on every child), not the
            // connection's, which carries many pings.
            let key = SSHSessionPool.Key(spec)
            try? await channel.eventLoop.submit {
                let sync = channel.pipeline.syncOperations
                if let limit = try? sync.handler(type: InboundByteLimit.self) {
                    sync.removeHandler(limit, promise: nil)
                }
            }.get()
            sessions.add(
                key,
                .init(
                    channel: channel, authenticatedAt: .now, hostKey: seen.hostKey,
                    address: bastionDial.address))
            pooled = key
        }
        let child: any Channel
        do {
            child = try await openChannel(
                on: channel, toHost: host, port: port, until: sshEnd, closingBastionOnTimeout: pooled == nil,
                context: context)
        } catch {
            if let sessions, let pooled { sessions.checkIn(pooled, channel) }
            throw error
        }
        if let sessions, let pooled {
            child.closeFuture.whenComplete { _ in sessions.checkIn(pooled, channel) }
        }
        return DialResult(
            channel: child, address: bastionDial.address,
            attempts: bastionDial.attempts + ["direct-tcpip channel to \(host):\(port) opened by \(spec.host)"])
    }

    /// A channel on a shared connection authenticated moments ago, with the SSH steps saying so; nil
    /// when there is none (or it died under us), and the ping connects itself.
    private func reuse(
        _ sessions: SSHSessionPool, toHost host: String, port: Int, until end: ContinuousClock.Instant,
        context: ProbeContext
    ) async throws(ProbeFailure) -> DialResult? {
        let key = SSHSessionPool.Key(spec)
        guard let lease = sessions.checkOut(key) else { return nil }
        let age = ContinuousClock.now - lease.authenticatedAt
        let ago = "\(Int((Double(age.components.seconds) + Double(age.components.attoseconds) / 1e18) * 1000)) ms ago"
        let trace = context.trace
        trace.note(
            .sshConnect, status: .passed,
            detail: "reused the SSH connection to \(bastion) (\(Dialer.describe(lease.address))) opened \(ago)")
        trace.note(
            .sshHandshake, status: .passed,
            detail: "host key \(lease.hostKey ?? "?") (verified when that connection was opened)")
        trace.note(
            .sshAuth, status: .passed,
            detail: "user \"\(spec.username)\" authenticated with our key \(ago), on the reused connection")
        do {
            let child = try await openChannel(
                on: lease.channel, toHost: host, port: port, until: end, closingBastionOnTimeout: false,
                context: context)
            child.closeFuture.whenComplete { _ in sessions.checkIn(key, lease.channel) }
            return DialResult(
                channel: child, address: lease.address,
                attempts: [
                    "reused the SSH connection to \(spec.host) opened \(ago)",
                    "direct-tcpip channel to \(host):\(port) opened by \(spec.host)",
                ])
        } catch {
            sessions.checkIn(key, lease.channel)
            // The shared connection closed under us: connect as if there had been none.
            if !lease.channel.isActive { return nil }
            throw error
        }
    }

    private func connectToBastion(context: ProbeContext) async throws(ProbeFailure) -> DialResult {
        let spec = self.spec
        let bastion = self.bastion
        let addresses: [SocketAddress]
        do {
            addresses = try await context.resolve(spec.host, port: spec.port, stepName: .sshDNS, recordTarget: false)
        } catch {
            throw ProbeFailure(
                error.category == .egressDenied ? .egressDenied : .ssh,
                "\(bastion) cannot be reached: \(error.message)", hint: error.hint, transient: error.transient)
        }
        return try await context.step(
            .sshConnect, "connecting to \(bastion)",
            timeoutHint:
                "a firewall is probably dropping traffic from this service to the bastion; allow it on port \(spec.port)"
        ) { outcome in
            do throws(ProbeFailure) {
                let result = try await Dialer().connect(to: addresses, host: spec.host, context: context)
                outcome.detail = result.attempts.joined(separator: "; ")
                return result
            } catch {
                if error.category == .egressDenied { throw error }
                throw ProbeFailure(
                    .ssh, "\(bastion): \(error.message)",
                    hint: error.category == .refused
                        ? "check the tunnel's port and that sshd is running on the bastion" : error.hint,
                    transient: error.transient ?? error.category.isTransient)
            }
        }
    }

    private func openChannel(
        on channel: any Channel, toHost host: String, port: Int, until end: ContinuousClock.Instant,
        closingBastionOnTimeout: Bool = true, context: ProbeContext
    ) async throws(ProbeFailure) -> any Channel {
        let spec = self.spec
        let limit = context.inboundByteLimit
        context.trace.begin(
            .sshChannel, activity: "waiting for \(spec.host) to open a channel to \(host):\(port)",
            timeoutHint:
                "the bastion could not connect to the database in time: check the database's firewall toward the bastion"
        )
        let opened = channel.eventLoop.makePromise(of: (any Channel).self)
        do {
            try await channel.eventLoop.submit {
                let ssh = try channel.pipeline.syncOperations.handler(type: NIOSSHHandler.self)
                let originator = try SocketAddress(ipAddress: "127.0.0.1", port: 0)
                let target = SSHChannelType.DirectTCPIP(
                    targetHost: host, targetPort: port, originatorAddress: originator)
                ssh.createChannel(opened, channelType: .directTCPIP(target)) { child, _ in
                    child.eventLoop.makeCompletedFuture {
                        // See SSHChannelBytes: the server's EOF comes to us, in order, not as NIOSSH's own close.
                        try child.syncOptions?.setOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                        try child.pipeline.syncOperations.addHandler(SSHChannelBytes())
                        try child.pipeline.syncOperations.addHandler(InboundByteLimit(limit: limit))
                        try child.pipeline.syncOperations.addHandler(EarlyBytesBuffer())
                    }
                }
            }.get()
        } catch {
            let failure = ProbeFailure(.ssh, "could not open an SSH channel on \(bastion): \(error)")
            context.trace.end(.sshChannel, status: .failed, detail: failure.message)
            throw failure
        }
        switch await waitUntil(end, opened.futureResult, on: channel, closing: closingBastionOnTimeout) {
        case .success(let child):
            context.register(child)
            context.trace.end(
                .sshChannel, status: .passed, detail: "\(spec.host) opened a channel to \(host):\(port)")
            return child
        case .failure(let error):
            let failure = describeChannelFailure(error, host: host, port: port)
            context.trace.end(.sshChannel, status: .failed, detail: failure.message, hint: failure.hint)
            throw failure
        }
    }

    /// Waits for `future` until `end`; at `end` the bastion connection is closed, which fails the future.
    /// With `closing: false` (a shared connection other pings use) it stays open: the wait ends with a
    /// timeout, and a channel that opens later is closed.
    private func waitUntil<T: Sendable>(
        _ end: ContinuousClock.Instant, _ future: EventLoopFuture<T>, on channel: any Channel, closing: Bool = true
    ) async -> Result<T, any Error> {
        if !closing {
            let outcome = channel.eventLoop.makePromise(of: T.self)
            future.cascade(to: outcome)
            let timer = Task {
                try await Task.sleep(until: end, clock: .continuous)
                outcome.fail(SSHStageTimedOut())
            }
            defer { timer.cancel() }
            do { return .success(try await outcome.futureResult.get()) } catch {
                if error is SSHStageTimedOut {
                    future.whenSuccess { late in (late as? any Channel)?.close(promise: nil) }
                }
                return .failure(error)
            }
        }
        let timer = Task {
            try await Task.sleep(until: end, clock: .continuous)
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        do { return .success(try await future.get()) } catch {
            if ContinuousClock.now >= end { return .failure(SSHStageTimedOut()) }
            return .failure(error)
        }
    }

    func describeSessionFailure(_ error: any Error, seen: SSHSessionLog.State, mismatch: PeerProtocol?) -> ProbeFailure
    {
        if let mismatch {
            return ProbeFailure(
                .ssh, "\(bastion) answered as \(mismatch.description), not an SSH server",
                hint: "check the tunnel's host and port (sshd listens on 22 by default)")
        }
        if seen.hostKeyMismatch {
            return ProbeFailure(
                .ssh,
                "the host key of \(bastion) changed: pinned \(spec.pinnedHostKey ?? "?"), now \(seen.hostKey ?? "?")",
                hint:
                    "if the bastion was rebuilt or its keys rotated, accept the new key (\(spec.acceptHostKeyHint)); otherwise the connection may be intercepted"
            )
        }
        if seen.keyRejected {
            let methods = seen.availableMethods.map { " (it offers: \($0))" } ?? ""
            return ProbeFailure(
                .ssh,
                "\(bastion) rejected our key for user \"\(spec.username)\"\(methods)",
                hint:
                    "add this public key as one line to ~\(spec.username)/.ssh/authorized_keys on \(spec.host): \(spec.authorizedKey)"
            )
        }
        if error is SSHStageTimedOut {
            let stage = seen.hostKey == nil ? "the SSH handshake" : "authentication"
            return ProbeFailure(
                .ssh, "\(bastion) did not complete \(stage) in time",
                hint: seen.hostKey == nil
                    ? "is this port an SSH server? a silent port looks like this" : "the bastion may be overloaded",
                transient: true)
        }
        if let ssh = error as? NIOSSHError {
            if ssh.type == .keyExchangeNegotiationFailure {
                return ProbeFailure(
                    .ssh,
                    "\(bastion) shares no key exchange, cipher or host key algorithm with this service (Ed25519/ECDSA host keys, curve25519/ECDH, AES-GCM)",
                    hint: "enable an Ed25519 or ECDSA host key on the bastion")
            }
            if ssh.type == .unsupportedVersion || ssh.type == .protocolViolation {
                return ProbeFailure(.ssh, "\(bastion) does not speak SSH 2 as expected: \(ssh)")
            }
        }
        if case ChannelError.eof = error as? ChannelError ?? .ioOnClosedChannel {
            if seen.hostKey == nil {
                return ProbeFailure(
                    .ssh, "\(bastion) closed the connection before the SSH handshake: it is probably not an SSH server",
                    hint:
                        "check the tunnel's host and port (sshd listens on 22); a bastion that limits connections (MaxStartups) also does this"
                )
            }
            return ProbeFailure(.ssh, "\(bastion) closed the connection during authentication", transient: true)
        }
        return ProbeFailure(.ssh, "SSH with \(bastion) failed: \(error)")
    }

    func describeChannelFailure(_ error: any Error, host: String, port: Int) -> ProbeFailure {
        let text = "\(error)"
        if error is SSHStageTimedOut {
            return ProbeFailure(
                .ssh,
                "\(spec.host) did not open a channel to \(host):\(port) in time: the database is probably unreachable from the bastion",
                hint: "check the database's firewall/security group toward the bastion", transient: true)
        }
        if let ssh = error as? NIOSSHError, ssh.type == .channelSetupRejected {
            // RFC 4254 section 5.1: 1 administratively prohibited, 2 connect failed, 3 unknown type, 4 resource shortage.
            if text.contains("Reason: 1 ") || text.lowercased().contains("prohibited") {
                return ProbeFailure(
                    .ssh, "\(spec.host) refused to forward to \(host):\(port) (administratively prohibited)",
                    hint:
                        "allow TCP forwarding for user \"\(spec.username)\" in the bastion's sshd_config (AllowTcpForwarding yes; PermitOpen must include \(host):\(port))"
                )
            }
            if text.lowercased().contains("refused") {
                return ProbeFailure(
                    .refused,
                    "\(host):\(port) refused the connection from the bastion \(spec.host): nothing listens there",
                    hint: "check the database host and port as the bastion sees them")
            }
            return ProbeFailure(
                .unreachable, "the bastion \(spec.host) could not connect to \(host):\(port) (\(text))",
                hint: "check the database host name as the bastion resolves it, and the firewall between them")
        }
        return ProbeFailure(.ssh, "opening a channel to \(host):\(port) through \(spec.host) failed: \(text)")
    }
}

struct SSHStageTimedOut: Error {}
