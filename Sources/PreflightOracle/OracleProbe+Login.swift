import PreflightCore
import PreflightNetwork

/// The `auth` step: the login after the listener's ACCEPT.
extension OracleProbe {
    /// Logs in; returns the session.
    func login(_ wire: OracleWire, accept: TNSAccept, place: String, context: ProbeContext) async throws(ProbeFailure)
        -> OracleSession
    {
        let config = self.config
        await wire.accepted(accept)
        let large = accept.version >= 315
        return try await context.step(
            .auth, "logging in to \(place) as \(config.user)",
            timeoutHint:
                "the listener accepted the connection, but the database behind it did not answer the login: it may be hung, out of processes, or behind a proxy that holds the connection"
        ) { outcome in
            var state = OracleLogin(user: config.user, password: config.password ?? "")
            var action = state.start()
            while true {
                switch action {
                case .send(let packet):
                    do throws(OracleWireError) { try await wire.send([packet], largeLength: large) } catch {
                        throw loginWireFailure(error, stage: state.stage, place: place)
                    }
                    action = .read
                case .read:
                    let budget = context.budget()
                    let packet: TNSPacket
                    do throws(OracleWireError) { packet = try await wire.receive(within: budget) } catch {
                        throw loginWireFailure(error, stage: state.stage, place: place, waited: budget)
                    }
                    action = state.receive(packet)
                case .loggedIn(let session):
                    outcome.detail = Self.describe(session, user: config.user)
                    if let warning = session.warning {
                        outcome.status = .warning
                        outcome.hint = Self.hint(for: warning, user: config.user)
                    }
                    return session
                case .failed(let failure):
                    throw OracleLoginErrorMapping.failure(
                        for: failure, user: config.user, password: config.password, server: place,
                        target: config.target)
                }
            }
        }
    }

    /// Ends the session politely: LOGOFF, its answer awaited for at most half a second, then EOF.
    /// Nothing here can fail the ping.
    func logoff(_ wire: OracleWire, packets: [TNSPacket], accept: TNSAccept) async {
        guard let call = packets.first else { return }
        let large = accept.version >= 315
        do throws(OracleWireError) {
            try await wire.send([call], largeLength: large)
            _ = try await wire.receive(within: .milliseconds(500))
            try await wire.send(Array(packets.dropFirst()), largeLength: large)
        } catch {
            return
        }
    }

    static func describe(_ session: OracleSession, user: String) -> String {
        var text = "logged in as \(user) with the \(session.verifierName); the server proved it knows the verifier"
        if let release = session.release { text += "; Oracle \(release)" }
        if let warning = session.warning {
            text += "; the server warned: \(PeerText.quote(warning.message ?? warning.oraCode, limit: 200))"
        }
        return text
    }

    static func hint(for warning: TTCServerError, user: String) -> String? {
        guard warning.code == 28002 || warning.code == 28098 else { return nil }
        return
            "the password expires soon: ALTER USER \(OracleLoginErrorMapping.sqlName(user)) IDENTIFIED BY \"new password\"; then update sharedConfig.password"
    }

    func loginWireFailure(_ error: OracleWireError, stage: String, place: String, waited: Duration? = nil)
        -> ProbeFailure
    {
        switch error {
        case .timedOut:
            return ProbeFailure(
                .timeout,
                "\(place) accepted \(config.target) but did not answer \(stage) within \((waited ?? .zero).humanDescription)",
                hint:
                    "the database behind the listener may be hung or overloaded (its alert log says why); a proxy may be holding the connection"
            )
        case .closed(let buffered):
            if buffered > 0 {
                return ProbeFailure(
                    .protocolMismatch, "\(place) closed the connection in the middle of a packet during \(stage)",
                    hint: "a proxy in between may have cut it off")
            }
            return ProbeFailure(
                .serverUnavailable, "\(place) closed the connection during \(stage) without an error message",
                hint:
                    "the database may be restarting or out of processes, or it requires Native Network Encryption (sqlnet.ora SQLNET.ENCRYPTION_SERVER=REQUIRED), which Preflight does not speak: use TCPS",
                transient: true)
        case .framing(let problem):
            return ProbeFailure(
                .protocolMismatch, "\(place) sent \(problem) during \(stage), not an Oracle Net packet",
                hint: "what answered after the listener does not speak Oracle Net; a proxy in between may not either")
        case .byteLimit:
            return ProbeFailure(
                .protocolMismatch, "\(place) sent far more data during \(stage) than an Oracle login takes",
                hint: "what answered after the listener is not an Oracle database")
        case .channel(let text):
            return ProbeFailure(.unreachable, "the connection to \(place) failed during \(stage): \(text)")
        }
    }
}
