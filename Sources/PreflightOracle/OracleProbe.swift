import NIOCore
import PreflightCore
import PreflightNetwork

/// A ping of an Oracle database's listener: dns, connect, tls (TCPS, when sslMode asks for TLS), then
/// `database`: the TNS CONNECT with the service name (or SID), answered by ACCEPT, REFUSE, RESEND (the
/// CONNECT sent again, once) or REDIRECT (followed once: `redirect_dns`, `redirect_connect`,
/// `redirect_tls`, `redirect_database`).
///
/// After ACCEPT, `auth`: the login (TTC protocol negotiation, data types, O5LOGON with the 11g or 12c
/// verifier; see `OracleLogin`), the server's proof checked; then `readiness`: read-only queries for
/// LogMiner (`OracleReadiness`), a failure for a source and warnings otherwise; then LOGOFF.
struct OracleProbe: Probe {
    let config: OracleConfig

    var target: PingTarget { PingTarget(host: config.host, port: config.port) }

    static func place(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    private var server: String { Self.place(config.host, config.port) }

    func run(in context: ProbeContext) async throws(ProbeFailure) {
        let dial = try await context.resolveAndConnect(config.host, port: config.port)
        let wire = try await secure(dial.channel, host: config.host, place: server, label: nil, context: context)
        var handshake = TNSHandshake(
            descriptor: TNSConnectDescriptor.make(
                host: config.host, port: config.port, target: config.target, tcps: config.tls != nil))
        let start = handshake.start()
        var outcome = try await exchange(wire, &handshake, first: start, place: server, label: nil, context: context)
        if case .redirect(let host, let port, _, let descriptor) = outcome {
            wire.close()
            let place = Self.place(host, port)
            let redirected = try await open(host: host, port: port, context: context)
            let next = try await secure(
                redirected.channel, host: host, place: place, label: "redirect", context: context)
            let first = handshake.redirected(to: place, descriptor: descriptor)
            outcome = try await exchange(
                next, &handshake, first: first, place: place, label: "redirect", context: context)
            defer { next.close() }
            try await finish(outcome, handshake: handshake, wire: next, context: context)
        } else {
            defer { wire.close() }
            try await finish(outcome, handshake: handshake, wire: wire, context: context)
        }
    }

    /// After ACCEPT: the login, the readiness queries, LOGOFF.
    private func finish(
        _ outcome: TNSHandshake.Action, handshake: TNSHandshake, wire: OracleWire, context: ProbeContext
    ) async throws(ProbeFailure) {
        guard case .accepted(let accept) = outcome else {
            throw ProbeFailure(.internalError, "the listener exchange ended without an answer")
        }
        let place = handshake.redirectedTo ?? server
        let session = try await login(wire, accept: accept, place: place, context: context)
        let (checks, sequence) = try await readiness(
            wire, session: session, accept: accept, place: place, context: context)
        let next = sequence == 255 ? 1 : sequence + 1
        await logoff(
            wire, packets: OracleLogin.logoff(sequence: next, fieldVersion: session.fieldVersion), accept: accept)
        if context.isSource, let failure = ReadinessVerdict.sourceFailure(for: checks, server: place) {
            throw failure
        }
    }

    // MARK: Connections

    /// A second connection, for a redirect: through the tunnel when the ping has one, else dns and
    /// connect recorded as `redirect_dns` and `redirect_connect` (the egress policy applies as to the first).
    private func open(host: String, port: Int, context: ProbeContext) async throws(ProbeFailure) -> DialResult {
        if let tunnel = context.tunnel { return try await tunnel.open(toHost: host, port: port, context: context) }
        let addresses = try await context.resolve(
            host, port: port, stepName: StepName.dns.prefixed(by: "redirect"), recordTarget: false)
        let dialer = Dialer()
        return try await context.step(
            StepName.connect.prefixed(by: "redirect"),
            "connecting to \(Self.place(host, port)) (the listener's redirect)",
            timeoutHint: "the listener redirected to an address this service cannot reach; a firewall may drop it"
        ) { outcome in
            let result = try await dialer.connect(to: addresses, host: host, context: context)
            outcome.detail = result.attempts.joined(separator: "; ")
            return result
        }
    }

    /// TCPS when configured (TLS from the first byte, the certificate checked against `host`: after a
    /// redirect, the host redirected to), then the packet reader.
    private func secure(_ channel: any Channel, host: String, place: String, label: String?, context: ProbeContext)
        async throws(ProbeFailure) -> OracleWire
    {
        let name = StepName.tls.prefixed(by: label)
        if var tls = config.tls {
            tls.serverName = host
            try await context.step(
                name, "negotiating TLS (TCPS) with \(place)",
                timeoutHint:
                    "the port accepted the connection but did not finish a TLS handshake: it is probably a plain TCP listener port (1521), not TCPS (often 2484)"
            ) { outcome in
                let info = try await TLSUpgrade.perform(on: channel, settings: tls, peerName: place, context: context)
                outcome.detail = info.description
            }
        } else if label == nil {
            context.trace.note(
                name, status: .skipped,
                detail: config.preferredTLS
                    ? "plain TCP: sslMode prefer cannot negotiate TLS with Oracle (TCPS is a separate listener port); the connection is not encrypted"
                    : "plain TCP (sslMode disable): the connection is not encrypted",
                hint: "for TCPS set sslMode to verify-full (or require) and the port of the listener's TCPS endpoint")
        }
        return try await OracleWire.attach(to: channel)
    }

    // MARK: The listener exchange

    /// `first` (the CONNECT) and the listener's answers until it accepts, refuses (thrown) or redirects (returned).
    private func exchange(
        _ wire: OracleWire, _ handshake: inout TNSHandshake, first: TNSHandshake.Action, place: String,
        label: String?, context: ProbeContext
    ) async throws(ProbeFailure) -> TNSHandshake.Action {
        let config = self.config
        var state = handshake
        defer { handshake = state }
        return try await context.step(
            StepName.database.prefixed(by: label), "asking the Oracle listener at \(place) for \(config.target)",
            timeoutHint:
                "the port accepted the connection but did not answer the TNS CONNECT: it is probably not an Oracle listener\(config.tls == nil ? ", or a TCPS port while sslMode is disable" : "")"
        ) { outcome in
            var action = first
            var command = "CONNECT"
            while true {
                switch action {
                case .send(let packets):
                    do throws(OracleWireError) { try await wire.send(packets) } catch {
                        throw await wireFailure(error, command: command, wire: wire, place: place, context: context)
                    }
                    action = .read
                case .read:
                    let budget = context.budget()
                    let packet: TNSPacket
                    do throws(OracleWireError) { packet = try await wire.receive(within: budget) } catch {
                        throw await wireFailure(
                            error, command: command, wire: wire, place: place, context: context, budget: budget)
                    }
                    action = state.receive(packet)
                    if state.resends > 0 { command = "the CONNECT sent again after RESEND" }
                case .redirect(let host, let port, _, _):
                    guard label == nil else {
                        throw ProbeFailure(
                            .protocolMismatch,
                            "the Oracle listener at \(place) redirected the connection a second time",
                            hint: "Preflight follows one redirect, as a ping should; check the listeners' configuration"
                        )
                    }
                    outcome.detail =
                        "the listener redirected the connection to \(Self.place(host, port)) (followed once)"
                    return action
                case .accepted(let accept):
                    outcome.detail = Self.describe(accept, target: config.target, resends: state.resends)
                    if accept.nativeEncryptionRequired {
                        outcome.status = .warning
                        outcome.hint =
                            "the server requires Native Network Encryption (sqlnet.ora SQLNET.ENCRYPTION_SERVER=REQUIRED): clients without it (python-oracledb thin mode, for one) cannot log in; prefer TCPS"
                    }
                    return action
                case .refused(let refusal):
                    throw OracleErrorMapping.failure(for: refusal, server: place, target: config.target)
                case .failed(let problem):
                    throw ProbeFailure(
                        .protocolMismatch, "the Oracle listener at \(place) broke the TNS protocol: \(problem)",
                        hint: Self.portHint)
                }
            }
        }
    }

    static func describe(_ accept: TNSAccept, target: OracleServiceTarget, resends: Int) -> String {
        var text =
            "the listener accepted \(target): TNS protocol \(accept.version) (\(release(accept.version))), SDU \(accept.sdu) bytes"
        if resends > 0 { text += ", after one RESEND" }
        return text
    }

    /// The oldest release that speaks a TNS protocol version.
    static func release(_ version: UInt16) -> String {
        switch version {
        case 319...: "Oracle 23ai or later"
        case 318: "Oracle 18c to 21c"
        case 315...317: "Oracle 12c"
        default: "Oracle 11g or older"
        }
    }

    // MARK: Wire failures

    static var portHint: String {
        "check the host and port: Oracle's listener is on \(ConnectorType.oracle.defaultPort ?? 1521) by default (TCPS often on 2484)"
    }

    /// A non-Oracle peer named from its first bytes; nil for unknown bytes.
    static func namedPeer(_ bytes: [UInt8]) -> String? {
        guard let peer = ProtocolSniffer.identify(bytes) else { return nil }
        switch peer {
        case .unknown: return nil
        default: return peer.description
        }
    }

    private func wireFailure(
        _ error: OracleWireError, command: String, wire: OracleWire, place: String, context: ProbeContext,
        budget: Duration? = nil
    ) async -> ProbeFailure {
        let seen = await wire.received()
        let preview = ProtocolSniffer.preview(seen.firstBytes)
        let tlsHint = config.tls == nil ? " If the port is a TCPS port, set sslMode to verify-full." : ""
        if let named = Self.namedPeer(seen.firstBytes) {
            return ProbeFailure(
                .protocolMismatch, "\(place) answered as \(named), not an Oracle listener", hint: Self.portHint)
        }
        switch error {
        case .framing(let problem):
            return ProbeFailure(
                .protocolMismatch,
                "\(place) answered the TNS \(command) with \(problem), not an Oracle listener (first bytes: \(preview))",
                hint: Self.portHint)
        case .timedOut:
            let waited = (budget ?? context.budget()).humanDescription
            if seen.total == 0 {
                return ProbeFailure(
                    .timeout, "\(place) accepted the connection but did not answer the TNS \(command) within \(waited)",
                    hint:
                        "an Oracle listener answers at once, so this is probably not one, or it is overloaded.\(tlsHint)"
                )
            }
            return ProbeFailure(
                .timeout,
                "\(place) sent \(seen.total) bytes that are not a whole TNS packet, then nothing for \(waited) (first bytes: \(preview))",
                hint: "a listener sends each packet at once; this is probably not an Oracle listener")
        case .closed(let buffered):
            if seen.total == 0 {
                return ProbeFailure(
                    .serverUnavailable, "\(place) closed the connection without answering the TNS \(command)",
                    hint:
                        "a TCPS port read as plain TCP, a listener refusing this address (sqlnet.ora TCP.INVITED_NODES), or not Oracle at all.\(tlsHint)",
                    transient: true)
            }
            if buffered > 0 {
                return ProbeFailure(
                    .protocolMismatch,
                    "\(place) closed the connection in the middle of a TNS packet (first bytes: \(preview))",
                    hint:
                        "a listener sends whole packets; this is probably not an Oracle listener, or a proxy cut it off"
                )
            }
            return ProbeFailure(
                .serverUnavailable, "\(place) closed the connection after the TNS \(command)",
                hint: "the listener may be restarting, or a proxy dropped the connection", transient: true)
        case .byteLimit:
            return ProbeFailure(
                .protocolMismatch,
                "\(place) sent far more data than an Oracle listener would (first bytes: \(preview))",
                hint: Self.portHint)
        case .channel(let text):
            return ProbeFailure(.unreachable, "the connection to \(place) failed during the TNS \(command): \(text)")
        }
    }
}
