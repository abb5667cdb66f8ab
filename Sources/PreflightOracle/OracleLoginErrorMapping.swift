import Foundation
import PreflightCore

/// A failed login as a failure a person can act on: the category, what failed (the ORA- code and the
/// server's words) and the fix, written for the user in the configuration. Pure.
enum OracleLoginErrorMapping {
    /// `user` as Oracle SQL names it: plain when it is an ordinary identifier (Oracle upper-cases it),
    /// else double-quoted.
    static func sqlName(_ user: String) -> String {
        let scalars = Array(user.unicodeScalars)
        let ordinary =
            !scalars.isEmpty && scalars.count <= 128
            && scalars.enumerated().allSatisfy { index, scalar in
                let code = scalar.value
                let letter = (0x41...0x5A).contains(code) || (0x61...0x7A).contains(code)
                let digit = (0x30...0x39).contains(code)
                return index == 0 ? letter : (letter || digit || "_$#".unicodeScalars.contains(scalar))
            }
        return ordinary ? user : "\"" + user.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func failure(
        for failure: OracleLoginFailure, user: String, password: String?, server: String, target: OracleServiceTarget
    ) -> ProbeFailure {
        let name = sqlName(user)
        switch failure {
        case .server(let error):
            return serverFailure(error, user: user, name: name, password: password, server: server, target: target)
        case .unsupportedVerifier(let type) where type == O5Logon.verifier10g:
            return ProbeFailure(
                .auth,
                "user \(user) at \(server) has only an old 10G password verifier (type 0x939), which Preflight's login (O5LOGON with 11g or 12c verifiers, as python-oracledb's thin mode) cannot use",
                hint:
                    "make the server keep a 12c verifier: set SQLNET.ALLOWED_LOGON_VERSION_SERVER=12 (or at least 11) in the database's sqlnet.ora, then reset the password: ALTER USER \(name) IDENTIFIED BY \"...\";"
            )
        case .unsupportedVerifier(let type):
            return ProbeFailure(
                .unsupported,
                "user \(user) at \(server) has a password verifier of a type Preflight does not know (0x\(String(type, radix: 16)))",
                hint: "reset the password so the server keeps a 12c verifier: ALTER USER \(name) IDENTIFIED BY \"...\";"
            )
        case .unprovenServer(let hasResponse):
            return ProbeFailure(
                .auth,
                hasResponse
                    ? "\(server) accepted the login of \(user) but could not prove it knows the password's verifier (its AUTH_SVR_RESPONSE does not decrypt to the expected proof): this is not the real database, or something in between answers for it"
                    : "\(server) accepted the login of \(user) without the proof every Oracle server sends (AUTH_SVR_RESPONSE): this is not the real database, or something in between answers for it",
                hint:
                    "check that host and port reach the database itself and not a proxy or impostor; do not trust this endpoint with the password until it does"
            )
        case .closedSession(let stage):
            return ProbeFailure(
                .serverUnavailable, "\(server) ended the session during \(stage) without an error message",
                hint: "the database may be shutting down or out of processes; check its alert log", transient: true)
        case .broken(let problem):
            return ProbeFailure(
                .protocolMismatch, "\(server) broke Oracle's TTC protocol during the login: \(problem)",
                hint:
                    "the listener accepted \(target), but what answered after it does not log in as Oracle does; a proxy in between may not speak Oracle Net"
            )
        }
    }

    private static func serverFailure(
        _ error: TTCServerError, user: String, name: String, password: String?, server: String,
        target: OracleServiceTarget
    ) -> ProbeFailure {
        let said = PeerText.quote(error.message ?? error.oraCode, scrubbing: [password ?? ""], limit: 200)
        let code = error.oraCode
        switch error.code {
        case 1017:
            return ProbeFailure(
                .auth,
                "\(server) refused the login of user \(user): invalid username or password (\(code); the server said: \(said))",
                hint: password == nil
                    ? "no password was sent: set sharedConfig.password"
                    : "check sharedConfig.user and sharedConfig.password: passwords are case-sensitive; a user created with a quoted name must be typed exactly (e.g. lower case); the user must exist in \(target), not only in the container database"
            )
        case 1005:
            return ProbeFailure(
                .auth, "\(server) refused the login of user \(user): no password was given (\(code))",
                hint: "set sharedConfig.password")
        case 28000:
            return ProbeFailure(
                .auth, "the account \(user) at \(server) is locked (\(code); the server said: \(said))",
                hint:
                    "unlock it as an administrator: ALTER USER \(name) ACCOUNT UNLOCK; (a profile's FAILED_LOGIN_ATTEMPTS locks it again after repeated wrong passwords)"
            )
        case 28001:
            return ProbeFailure(
                .auth, "the password of \(user) at \(server) has expired (\(code); the server said: \(said))",
                hint:
                    "set a new password: ALTER USER \(name) IDENTIFIED BY \"new password\"; then put it in sharedConfig.password (a profile with PASSWORD_LIFE_TIME UNLIMITED stops it expiring)"
            )
        case 1045:
            return ProbeFailure(
                .permission,
                "user \(user) may not log in to \(target) at \(server): it lacks the CREATE SESSION privilege (\(code); the server said: \(said))",
                hint: "GRANT CREATE SESSION TO \(name);")
        case 28040:
            return ProbeFailure(
                .auth,
                "\(server) and this login share no authentication protocol (\(code): the server's SQLNET.ALLOWED_LOGON_VERSION_SERVER does not allow the password verifiers user \(user) has)",
                hint:
                    "set SQLNET.ALLOWED_LOGON_VERSION_SERVER=12 (or 11) in the database's sqlnet.ora and reset the password so a 12c verifier exists: ALTER USER \(name) IDENTIFIED BY \"...\";"
            )
        case 18, 20, 2391, 12516, 12519, 12520:
            return ProbeFailure(
                .serverUnavailable, "\(server) is out of sessions or processes (\(code); the server said: \(said))",
                hint:
                    "try again shortly; if it persists, raise PROCESSES/SESSIONS (or the profile's SESSIONS_PER_USER for ORA-02391)",
                transient: true)
        case 1033, 1034, 1089, 1090:
            return ProbeFailure(
                .serverUnavailable,
                "the database behind \(server) is not open (\(code); the server said: \(said))",
                hint: "try again once the instance is open (startup, or ALTER PLUGGABLE DATABASE ... OPEN for a PDB)",
                transient: true)
        default:
            return ProbeFailure(
                .auth, "\(server) refused the login of user \(user) with \(code) (the server said: \(said))",
                hint: "look up \(code) in Oracle's error reference")
        }
    }
}
