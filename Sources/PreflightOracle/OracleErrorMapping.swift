import PreflightCore

/// A listener's refusal as a failure a person can act on: the category, the message (what failed, where,
/// the ORA- code) and the fix.
enum OracleErrorMapping {
    /// `server` is "host:port"; `target` what was asked for.
    static func failure(for refusal: OracleRefusal, server: String, target: OracleServiceTarget) -> ProbeFailure {
        let said = PeerText.quote(refusal.text, limit: 200)
        switch refusal.code {
        case 12514:
            guard case .serviceName(let name) = target else { break }
            return ProbeFailure(
                .databaseNotFound,
                "the Oracle listener at \(server) does not know service \(name) (ORA-12514: listener does not currently know of service requested)",
                hint:
                    "check the listener's services: lsnrctl services (or, connected as an admin, SELECT name FROM v$services); put the right one in defaultDatabase: a pluggable database is reached by its own service (e.g. FREEPDB1, ORCLPDB1), not the container's; a database that just started may not have registered yet"
            )
        case 12505:
            return ProbeFailure(
                .databaseNotFound,
                "the Oracle listener at \(server) does not know \(target) (ORA-12505: listener does not currently know of SID given in connect descriptor)",
                hint:
                    "check the listener's instances: lsnrctl status; databases since 12c are reached by service name: put the service in defaultDatabase and leave sharedConfig.sid out"
            )
        case 12516, 12519, 12520:
            return ProbeFailure(
                .serverUnavailable,
                "the Oracle listener at \(server) has no free handler for \(target) (ORA-\(refusal.code ?? 0): the database is out of processes or sessions, or its dispatchers are busy)",
                hint:
                    "try again shortly; if it persists, raise the PROCESSES/SESSIONS parameters or find what holds the connections (SELECT count(*) FROM v$process)",
                transient: true)
        case 12518, 12528, 12526, 12527:
            return ProbeFailure(
                .serverUnavailable,
                "the Oracle listener at \(server) could not hand the connection to \(target) (ORA-\(refusal.code ?? 0): the instance is starting, blocked or in restricted mode)",
                hint:
                    "try again once the database is open (ALTER SYSTEM DISABLE RESTRICTED SESSION if it was left restricted)",
                transient: true)
        case 12506, 12529:
            return ProbeFailure(
                .permission,
                "the Oracle listener at \(server) rejected this connection by its filtering rules (ORA-\(refusal.code ?? 0))",
                hint:
                    "allow this service's address in the listener's or Connection Manager's rules (service ACL, CMAN rules, sqlnet.ora TCP.INVITED_NODES)"
            )
        default:
            break
        }
        guard refusal.code != nil else {
            return ProbeFailure(
                .serverUnavailable,
                "the Oracle listener at \(server) refused the connection to \(target) without an error code (\(said))",
                hint: "check the listener's log (lsnrctl status shows where it is)", transient: false)
        }
        return ProbeFailure(
            .serverUnavailable,
            "the Oracle listener at \(server) refused the connection to \(target) with \(refusal.oraCode) (\(said))",
            hint: "look up \(refusal.oraCode) in Oracle's error reference; lsnrctl status shows the listener's state",
            transient: false)
    }
}
