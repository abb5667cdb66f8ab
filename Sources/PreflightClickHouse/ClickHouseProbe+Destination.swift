import Foundation
import PreflightCore
import PreflightHTTP
import PreflightNetwork

/// Destination readiness (ClickHouse is only ever a destination): the user's `readonly`/`allow_ddl`
/// settings and its grants, read with SELECT and SHOW GRANTS (nothing is written), then, only with
/// `writeTest: true`, one empty table created and dropped.
extension ClickHouseProbe {
    func destinationReadiness(
        _ client: HTTPClient, address: ClickHouseAddress, target: HTTPTarget, version: String, context: ProbeContext
    ) async throws(ProbeFailure) {
        let server = address.endpoint.hostHeader
        let config = self.config
        let (checks, database) = try await context.step(
            .readiness, "reading user \(config.username)'s settings and grants"
        ) { outcome -> ([ReadinessCheck], String) in
            let seen = try await observeDestination(client, address: address, target: target, version: version)
            let checks = ClickHouseDestinationReadiness.checks(seen, user: config.username)
            for check in checks { context.trace.check(check) }
            (outcome.status, outcome.detail, outcome.hint) = ReadinessVerdict.destinationStep(
                for: checks, writingTo: "database \(seen.database ?? "default")")
            return (checks, seen.database ?? "default")
        }
        if let failure = ReadinessVerdict.destinationFailure(
            for: checks, server: server, target: "database \(database)")
        {
            if config.writeTest {
                context.trace.note(
                    .writeTest, status: .skipped, detail: "not attempted: the privilege checks already fail")
            }
            throw failure
        }
        if config.writeTest {
            try await writeTest(client, address: address, target: target, database: database, context: context)
        }
    }

    func observeDestination(_ client: HTTPClient, address: ClickHouseAddress, target: HTTPTarget, version: String)
        async throws(ProbeFailure) -> ClickHouseDestinationObservations
    {
        var seen = ClickHouseDestinationObservations()
        seen.database = config.database
        // POST, so the answer shows the user's own readonly level (a GET query runs with readonly = 2).
        let settings = try await send(
            "SELECT 'database', currentDatabase() UNION ALL SELECT name, value FROM system.settings WHERE name IN ('readonly', 'allow_ddl') FORMAT TabSeparated",
            client, address: address, target: target, post: true)
        switch settings {
        case .success(let text):
            for row in Self.rows(text) where row.count >= 2 {
                switch row[0] {
                case "database": seen.database = seen.database ?? row[1]
                case "readonly": seen.readonly = row[1]
                case "allow_ddl": seen.allowDDL = row[1]
                default: break
                }
            }
        case .failure(let exception): seen.queryErrors["settings"] = exception.summary
        }
        guard Self.hasAccessControl(version) else {
            seen.noAccessControl = true
            return seen
        }
        switch try await send(
            "SHOW GRANTS FORMAT TabSeparated", client, address: address, target: target, post: false)
        {
        case .success(let text): seen.grants = Self.rows(text).compactMap(\.first)
        case .failure(let exception):
            // Code 62: a server without the statement (SQL access control came in 20.5).
            if exception.code == 62 {
                seen.noAccessControl = true
            } else {
                seen.queryErrors["grants"] = exception.summary
            }
        }
        let parsed = (seen.grants ?? []).compactMap(ClickHouseGrant.parse)
        let roles = parsed.flatMap(\.roles)
        if !roles.isEmpty,
            !ClickHouseDestinationReadiness.missingPrivileges(parsed, database: seen.database ?? "default").isEmpty
        {
            // SHOW GRANTS does not expand roles: the enabled roles' grants, from system.grants.
            switch try await send(
                "SELECT access_type, ifNull(database, '*'), ifNull(table, '*'), toString(is_partial_revoke) FROM system.grants WHERE role_name IN (SELECT role_name FROM system.enabled_roles) FORMAT TabSeparated",
                client, address: address, target: target, post: false)
            {
            case .success(let text):
                seen.roleGrants = Self.rows(text).filter { $0.count >= 4 }.map { row in
                    ClickHouseGrant(
                        privileges: [row[0].uppercased()], database: row[1], table: row[2], isRevoke: row[3] == "1")
                }
            case .failure(let exception): seen.queryErrors["role_grants"] = exception.summary
            }
        }
        return seen
    }

    /// ClickHouse has SQL users, roles and grants since 20.5.
    static func hasAccessControl(_ version: String) -> Bool {
        let parts = version.split(separator: ".").compactMap { Int($0) }
        guard parts.count >= 2 else { return true }
        return parts[0] > 20 || (parts[0] == 20 && parts[1] >= 5)
    }

    /// TabSeparated rows, with ClickHouse's escapes undone.
    static func rows(_ text: String) -> [[String]] {
        text.split(separator: "\n", omittingEmptySubsequences: true).map { line in
            line.split(separator: "\t", omittingEmptySubsequences: false).map { field in
                field.replacingOccurrences(of: "\\t", with: "\t").replacingOccurrences(of: "\\n", with: "\n")
                    .replacingOccurrences(of: "\\'", with: "'").replacingOccurrences(of: "\\\\", with: "\\")
            }
        }
    }

    /// Runs one statement as the user (GET with `query=`, or POST with the statement as the body):
    /// its text, or the ClickHouse exception it raised. Anything else is a failure of the ping.
    func send(_ sql: String, _ client: HTTPClient, address: ClickHouseAddress, target: HTTPTarget, post: Bool)
        async throws(ProbeFailure) -> Result<String, ClickHouseException>
    {
        let server = address.endpoint.hostHeader
        var headers = [HTTPField("X-ClickHouse-User", config.username), HTTPField("Accept", "*/*")]
        if let password = config.password { headers.append(HTTPField("X-ClickHouse-Key", password)) }
        var parameters: [String] = post ? [] : ["query=" + FormEncoding.percentEncode(sql)]
        if let database = config.database {
            headers.append(HTTPField("X-ClickHouse-Database", database))
            parameters.append("database=" + FormEncoding.percentEncode(database))
        }
        if post { headers.append(HTTPField("Content-Type", "text/plain; charset=utf-8")) }
        let request = HTTPRequest(
            post ? "POST" : "GET", "/" + (parameters.isEmpty ? "" : "?" + parameters.joined(separator: "&")),
            headers: headers, body: post ? Array(sql.utf8) : [])
        let response: HTTPResponse
        do throws(ProbeFailure) {
            response = try await client.exchange(request, with: target)
        } catch {
            throw explain(error, address: address)
        }
        if response.status == 200 { return .success(response.text) }
        guard
            let exception = ClickHouseException.parse(
                body: response.text, codeHeader: response.header("X-ClickHouse-Exception-Code"))
        else {
            throw ProbeFailure(
                .protocolMismatch, "\(server) answered a readiness query with \(Self.describe(response))")
        }
        return .failure(exception)
    }

    // MARK: Write test

    /// `preflight_write_test_` and 12 random hex digits.
    static func writeTestTableName() -> String {
        let digits = String(UInt64.random(in: 0..<(1 << 48)), radix: 16)
        return "preflight_write_test_" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }

    /// Creates one empty Memory table in the database and drops it. A refused CREATE fails the ping
    /// (`permission`); a failed DROP is a warning naming the table left behind.
    func writeTest(
        _ client: HTTPClient, address: ClickHouseAddress, target: HTTPTarget, database: String, context: ProbeContext
    ) async throws(ProbeFailure) {
        let server = address.endpoint.hostHeader
        let table = ClickHouseDestinationReadiness.quote(database) + "." + Self.writeTestTableName()
        try await context.step(.writeTest, "creating and dropping table \(table) on \(server)") { outcome in
            if case .failure(let exception) = try await send(
                "CREATE TABLE \(table) (id UInt8) ENGINE = Memory", client, address: address, target: target, post: true
            ) {
                throw ProbeFailure(
                    .permission, "the write test could not create table \(table) on \(server): \(exception.summary)")
            }
            let dropped: Result<String, ClickHouseException>
            do throws(ProbeFailure) {
                dropped = try await send("DROP TABLE \(table)", client, address: address, target: target, post: true)
            } catch {
                dropped = .failure(ClickHouseException(code: 0, message: error.message))
            }
            switch dropped {
            case .success:
                outcome.detail = "created table \(table) and dropped it: nothing is left"
            case .failure(let exception):
                outcome.status = .warning
                outcome.detail =
                    "created table \(table) but could not drop it (\(exception.summary)): it is left behind"
                outcome.hint = "DROP TABLE \(table);"
            }
        }
    }
}
