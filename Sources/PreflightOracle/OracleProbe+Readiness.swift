import PreflightCore
import PreflightNetwork

/// The `readiness` step: read-only queries for LogMiner (ARCHIVELOG, minimal supplemental logging,
/// the reader's privileges), then the checks (failed for a source, warnings otherwise; the caller ends
/// a source's ping `cdc_not_ready` after LOGOFF). Returns the checks and the last call's sequence.
extension OracleProbe {
    func readiness(_ wire: OracleWire, session: OracleSession, accept: TNSAccept, place: String, context: ProbeContext)
        async throws(ProbeFailure) -> (checks: [ReadinessCheck], sequence: UInt8)
    {
        let config = self.config
        var sequence = session.sequence
        let checks = try await context.step(
            .readiness, "running read-only LogMiner readiness queries on \(place)",
            timeoutHint:
                "the database accepted the login but did not answer a query on V$DATABASE or the session's privileges: it may be hung or overloaded"
        ) { outcome -> [ReadinessCheck] in
            var seen = OracleObservations()
            for (view, sql) in OracleReadiness.queries {
                var query = OracleQuery(sql: sql, fieldVersion: session.fieldVersion, after: sequence)
                let result = try await run(&query, wire: wire, accept: accept, place: place, context: context)
                sequence = query.sequence
                switch result {
                case .success(let rows):
                    let firstColumn = Set(rows.compactMap { $0.first ?? nil }.map { $0.uppercased() })
                    switch view {
                    case "V$DATABASE":
                        seen.logMode = rows.first?.first ?? nil
                        seen.supplementalLogDataMin = rows.first.flatMap { $0.count > 1 ? $0[1] : nil }
                        if rows.isEmpty { seen.errors[view] = "no row" }
                    case "SESSION_PRIVS": seen.privileges = firstColumn
                    case "SESSION_ROLES": seen.roles = firstColumn
                    default: seen.executeOnLogMinerGranted = firstColumn.contains("EXECUTE")
                    }
                case .failure(let error):
                    seen.errors[view] = PeerText.quote(error.message ?? error.oraCode, limit: 160)
                }
            }
            let checks = OracleReadiness.checks(seen, user: config.user)
            for check in checks { context.trace.check(check) }
            (outcome.status, outcome.detail, outcome.hint) = ReadinessVerdict.step(
                for: checks, isSource: context.isSource, readyFor: "Oracle LogMiner CDC")
            if let release = session.release { outcome.detail = "Oracle \(release): " + (outcome.detail ?? "") }
            return checks
        }
        return (checks, sequence)
    }

    /// One query to its end: its rows, or the server's ORA- error.
    private func run(
        _ query: inout OracleQuery, wire: OracleWire, accept: TNSAccept, place: String, context: ProbeContext
    ) async throws(ProbeFailure) -> Result<[[String?]], TTCServerErrorBox> {
        let large = accept.version >= 315
        var action = query.start()
        let stage = "a readiness query (\(query.sql))"
        while true {
            switch action {
            case .send(let packet):
                do throws(OracleWireError) { try await wire.send([packet], largeLength: large) } catch {
                    throw loginWireFailure(error, stage: stage, place: place)
                }
                action = .read
            case .read:
                let budget = context.budget()
                let packet: TNSPacket
                do throws(OracleWireError) { packet = try await wire.receive(within: budget) } catch {
                    throw loginWireFailure(error, stage: stage, place: place, waited: budget)
                }
                action = query.receive(packet)
            case .done(_, let rows):
                return .success(rows)
            case .failed(let error):
                return .failure(TTCServerErrorBox(error))
            case .broken(let problem):
                throw ProbeFailure(
                    .protocolMismatch, "\(place) broke Oracle's TTC protocol answering \(stage): \(problem)",
                    hint: "what answered after the listener does not speak Oracle's protocol as a database does")
            }
        }
    }
}

/// A server error as a `Result` failure.
struct TTCServerErrorBox: Error {
    let error: TTCServerError
    init(_ error: TTCServerError) { self.error = error }
    var message: String? { error.message }
    var oraCode: String { error.oraCode }
}
