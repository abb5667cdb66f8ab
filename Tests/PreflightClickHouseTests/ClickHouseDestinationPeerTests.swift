import Foundation
import PreflightClickHouse
import PreflightCore
import PreflightTestSupport
import Testing

/// Destination readiness against a scripted ClickHouse 24 (SQL grants and roles, which the local 18.16
/// does not have): SHOW GRANTS, the enabled roles' rows of system.grants, readonly.
@Suite(.serialized)
struct ClickHouseDestinationPeerTests {
    let engine = ClickHouseTesting.engine(timeout: .seconds(5))

    /// The answers to the destination queries, or nil for any other request.
    static func destinationAnswer(
        _ request: ScriptedHTTPServer.Request, grants: String, roleRows: String = "", readonly: String = "0"
    ) -> ScriptedHTTPServer.Response? {
        if request.method == "POST", request.text.contains("system.settings") {
            let database = request.header("X-ClickHouse-Database") ?? "default"
            return .init(status: 200, body: "database\t\(database)\nreadonly\t\(readonly)\nallow_ddl\t1\n")
        }
        if request.query["query"] == "SHOW GRANTS FORMAT TabSeparated" { return .init(status: 200, body: grants) }
        if request.query["query"]?.contains("system.enabled_roles") == true {
            return .init(status: 200, body: roleRows)
        }
        return nil
    }

    static func server(grants: String, roleRows: String = "", readonly: String = "0") async throws
        -> ScriptedHTTPServer
    {
        try await ScriptedHTTPServer.start(tls: false) { request in
            if request.pathOnly == "/ping" { return .init(status: 200, body: "Ok.\n") }
            if let answer = destinationAnswer(request, grants: grants, roleRows: roleRows, readonly: readonly) {
                return answer
            }
            return .init(status: 200, body: "24.3.1.2672\n")
        }
    }

    func ping(_ server: ScriptedHTTPServer, database: String? = "analytics") async throws -> PingReport {
        var extra: [String: JSONValue] = ["httpPort": .number(Double(server.port))]
        if let database { extra["database"] = .string(database) }
        return try await ClickHouseTesting.ping(
            engine,
            ClickHouseTesting.payload(addresses: ["127.0.0.1"], username: "cdc", password: "pw-1", extra: extra))
    }

    @Test func missingGrantsFailWithTheGrant() async throws {
        let server = try await Self.server(grants: "GRANT SELECT, INSERT ON analytics.* TO cdc\n")
        defer { Task { await server.stop() } }
        let report = try await ping(server)
        #expect(report.category == .permission, "\(report.summary)")
        let check = try #require(report.check("write_privileges"))
        #expect(check.fix == "GRANT CREATE TABLE, ALTER ON analytics.* TO cdc;")
        #expect(report.errorText?.contains("GRANT CREATE TABLE, ALTER ON analytics.* TO cdc;") == true)
        #expect(server.requests.allSatisfy { !($0.query["query"] ?? $0.text).uppercased().hasPrefix("CREATE") })
    }

    @Test func allOnEverythingAndWildcardsPass() async throws {
        for grants in [
            "GRANT ALL ON *.* TO cdc WITH GRANT OPTION\n",
            "GRANT INSERT, CREATE, ALTER TABLE ON analy*.* TO cdc\n",
        ] {
            let server = try await Self.server(grants: grants)
            let report = try await ping(server)
            await server.stop()
            #expect(report.ok, "\(grants): \(report.summary)")
        }
    }

    @Test func aPartialRevokeCounts() async throws {
        let server = try await Self.server(
            grants: "GRANT ALL ON *.* TO cdc\nREVOKE INSERT ON analytics.* FROM cdc\n")
        defer { Task { await server.stop() } }
        let report = try await ping(server)
        #expect(report.check("write_privileges")?.fix == "GRANT INSERT ON analytics.* TO cdc;", "\(report.checks)")
    }

    @Test func rolesAreExpandedFromSystemGrants() async throws {
        let granted = try await Self.server(
            grants: "GRANT SELECT ON analytics.* TO cdc\nGRANT writer TO cdc\n",
            roleRows: "INSERT\tanalytics\t*\t0\nCREATE TABLE\tanalytics\t*\t0\nALTER\t*\t*\t0\n")
        let report = try await ping(granted)
        await granted.stop()
        #expect(report.ok, "\(report.summary)")
        #expect(report.check("write_privileges")?.observed.contains("with roles writer") == true)

        let short = try await Self.server(
            grants: "GRANT SELECT ON analytics.* TO cdc\nGRANT writer TO cdc\n", roleRows: "INSERT\tanalytics\t*\t0\n")
        let failing = try await ping(short)
        await short.stop()
        #expect(failing.check("write_privileges")?.fix == "GRANT CREATE TABLE, ALTER ON analytics.* TO cdc;")
    }

    @Test func theUsersDefaultDatabaseIsUsedWithoutDatabase() async throws {
        let server = try await Self.server(grants: "GRANT SELECT ON default.* TO cdc\n", readonly: "2")
        defer { Task { await server.stop() } }
        let report = try await ping(server, database: nil)
        #expect(report.category == .permission)
        #expect(report.check("write_privileges")?.fix == "GRANT INSERT, CREATE TABLE, ALTER ON default.* TO cdc;")
        #expect(report.check("writable")?.observed == "readonly = 2 for user cdc")
    }

    @Test func grantLinesParse() {
        let grant = ClickHouseGrant.parse("GRANT SELECT(a, b), ALTER UPDATE ON `my-db`.events TO cdc")
        #expect(grant?.privileges == ["SELECT", "ALTER UPDATE"])
        #expect(grant?.database == "my-db")
        #expect(grant?.table == "events")
        #expect(ClickHouseGrant.parse("GRANT r1, `r 2` TO cdc")?.roles == ["r1", "r 2"])
        #expect(ClickHouseGrant.parse("REVOKE INSERT ON db.* FROM cdc")?.isRevoke == true)
    }
}
