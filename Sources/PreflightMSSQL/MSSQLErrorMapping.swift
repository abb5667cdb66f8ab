import Foundation
import PreflightCore

/// SQL Server's login errors as failures a person can act on (the text alone says what failed and the fix).
enum MSSQLErrorMapping {
    /// What the states of error 18456 mean (SQL Server tells the client only when it chooses to; the
    /// error log always has it).
    static func loginFailedReason(state: UInt8) -> String? {
        switch state {
        case 2, 5: "the login name does not exist"
        case 6: "it is a Windows login, which cannot use SQL Server authentication"
        case 7: "the login is disabled (and the password is wrong)"
        case 8: "the password is wrong"
        case 9: "the password is not valid"
        case 11, 12: "the login is valid but has no access to the server (CONNECT SQL)"
        case 13: "the SQL Server service is paused"
        case 18: "the password must be changed"
        case 38, 40: "the login's database cannot be opened"
        case 58: "the server accepts only Windows authentication"
        case 102...111: "Azure AD authentication failed"
        default: nil
        }
    }

    static func failure(for error: TDSServerMessage, config: MSSQLConfig, server: String) -> ProbeFailure {
        let user = config.username
        let login = MSSQLConfig.bracketed(user)
        let text = error.text
        switch error.number {
        case 18456:
            if let reason = loginFailedReason(state: error.state), error.state != 1 {
                return ProbeFailure(
                    .auth,
                    "\(server) rejected the login of \"\(user)\" (error 18456, state \(error.state): \(reason))",
                    hint: hint18456(state: error.state, login: login))
            }
            return ProbeFailure(
                .auth,
                "\(server) rejected the login of \"\(user)\" (error 18456, state \(error.state): \(text)); SQL Server tells the client no more",
                hint:
                    "check the username and password; the server's error log has the reason (error 18456 with its real state: 2 or 5 unknown login, 8 wrong password, 38 database not accessible, 58 Windows authentication only)"
            )
        case 4060:
            let name = config.database.isEmpty ? "the login's default database" : "database \"\(config.database)\""
            return ProbeFailure(
                .databaseNotFound,
                "the login of \"\(user)\" works, but \(server) cannot open \(name) (error 4060: \(text))",
                hint: config.database.isEmpty
                    ? "set defaultDatabase, or fix the login's default: ALTER LOGIN \(login) WITH DEFAULT_DATABASE = [master];"
                    : "check the name (SELECT name FROM sys.databases;), or give the login a user in it: USE \(MSSQLConfig.bracketed(config.database)); CREATE USER \(login) FOR LOGIN \(login);"
            )
        case 18487, 18488:
            return ProbeFailure(
                .auth,
                "the password of \"\(user)\" has expired and must be changed before \(server) lets it log in (error \(error.number))",
                hint:
                    "set a new password: ALTER LOGIN \(login) WITH PASSWORD = N'...'; (or turn the policy off for this service login: ALTER LOGIN \(login) WITH CHECK_EXPIRATION = OFF;)"
            )
        case 18452:
            return ProbeFailure(
                .auth,
                "\(server) accepts only Windows authentication, so SQL login \"\(user)\" cannot log in (error 18452: \(text))",
                hint:
                    "switch the server to mixed mode (Server Properties > Security > SQL Server and Windows Authentication mode, then restart SQL Server), or use a Windows-authenticated path"
            )
        case 18470:
            return ProbeFailure(
                .auth, "the login \"\(user)\" is disabled on \(server) (error 18470)",
                hint: "ALTER LOGIN \(login) ENABLE;")
        case 18486:
            return ProbeFailure(
                .auth, "the login \"\(user)\" is locked out after too many failed attempts (error 18486)",
                hint: "ALTER LOGIN \(login) WITH PASSWORD = N'...' UNLOCK;")
        case 40532:
            return ProbeFailure(
                .auth,
                "Azure SQL cannot open the server named in the login (error 40532: \(text))",
                hint:
                    "use the server's full name as host (<server>.database.windows.net), or add it to the username as \(user)@<server>"
            )
        case 40615:
            let ip = quotedIP(in: text)
            return ProbeFailure(
                .permission,
                "Azure SQL's firewall refuses this service's address\(ip.map { " \($0)" } ?? "") (error 40615: \(text))",
                hint:
                    "allow \(ip ?? "this service's address") in the server's firewall: in master, EXEC sp_set_firewall_rule N'preflight', '\(ip ?? "IP")', '\(ip ?? "IP")'; (or Networking > Firewall rules in the portal)"
            )
        case 916, 4064:
            return ProbeFailure(
                .permission, "\"\(user)\" cannot access the database on \(server) (error \(error.number): \(text))",
                hint: "give the login a user in the database: CREATE USER \(login) FOR LOGIN \(login);")
        case 17809, 18401, 17142, 40613, 40501:
            return ProbeFailure(
                .serverUnavailable, "\(server) cannot take the connection now (error \(error.number): \(text))",
                hint: "the server is out of connections, in single-user or upgrade mode, or (Azure) busy; try again",
                transient: true)
        default:
            return ProbeFailure(
                .auth,
                "\(server) refused the login of \"\(user)\" (error \(error.number), state \(error.state): \(text))")
        }
    }

    static func hint18456(state: UInt8, login: String) -> String {
        switch state {
        case 2, 5: "create the login (CREATE LOGIN \(login) WITH PASSWORD = N'...';) or fix the username"
        case 7: "ALTER LOGIN \(login) ENABLE; and check the password"
        case 58: "switch the server to mixed mode (SQL Server and Windows Authentication), then restart it"
        case 11, 12: "GRANT CONNECT SQL TO \(login);"
        case 38, 40: "set defaultDatabase to a database the login can open, or fix its default database"
        default: "check the password (ALTER LOGIN \(login) WITH PASSWORD = N'...'; resets it)"
        }
    }

    /// The first IPv4 address quoted in `text` ("Client with IP address '203.0.113.7' is not allowed ...").
    static func quotedIP(in text: String) -> String? {
        for part in text.split(separator: "'") {
            let octets = part.split(separator: ".", omittingEmptySubsequences: false)
            if octets.count == 4, octets.allSatisfy({ Int($0).map { (0...255).contains($0) } == true && $0.count <= 3 })
            {
                return String(part)
            }
        }
        return nil
    }
}
