import Foundation
import PreflightCore
import PreflightEngine
import PreflightPostgres
import PreflightTestSupport
import Testing

/// Destination readiness against the real PostgreSQL 15 of scripts/test-servers.sh: dest_user has only
/// PostgreSQL 15's defaults in appdb (no CREATE on public), owns dest_owned, and the hot standby refuses writes.
@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["PREFLIGHT_TEST_PG_STANDBY_PORT"] != nil
            || TestEnvironment.requireIntegration, "needs scripts/test-servers.sh (scripts/servers/postgres-dest.sh)"))
struct PostgresDestinationTests {
    let host: String
    let port: Int
    let standbyPort: Int
    let user: String
    let password: String
    let ownedDatabase: String
    let database: String
    let engine = PingEngine(
        configuration: EngineConfiguration(defaultTimeout: .seconds(10)), factories: [PostgresProbeFactory()])

    init() throws {
        let env = ProcessInfo.processInfo.environment
        func value(_ name: String) throws -> String {
            try #require(env["PREFLIGHT_TEST_PG_\(name)"], "PREFLIGHT_TEST_PG_\(name) is not set")
        }
        host = try value("HOST")
        port = try #require(Int(try value("PORT")))
        standbyPort = try #require(Int(try value("STANDBY_PORT")))
        user = try value("DEST_USER")
        password = try value("DEST_PASSWORD")
        ownedDatabase = try value("DEST_OWNED_DATABASE")
        database = try value("DATABASE")
    }

    func ping(
        database: String, role: String? = "destination", port: Int? = nil, extra: [String: String] = [:]
    ) async throws -> PingReport {
        var config = [
            "host": host, "port": String(port ?? self.port), "user": user, "password": password, "sslMode": "disable",
        ]
        for (key, value) in extra { config[key] = value }
        let payload = ConnectorPayload(
            type: .postgresql, sharedConfig: SharedConfig(strings: config), defaultDatabase: database,
            connectionRole: role)
        let report = try await engine.ping(payload)
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(!json.contains(password), "the password leaked into the report")
        return report
    }

    /// A superuser query over TCP (trust), with psql.
    func superuserQuery(_ sql: String, database: String) throws -> String {
        try postgresSuperuserQuery(sql, host: host, port: port, database: database)
    }

    @Test func noCreateOnPublicIsPermissionWithTheGrant() async throws {
        let report = try await ping(database: database)
        #expect(report.category == .permission, "\(report.summary)")
        #expect(report.step("readiness")?.status == .failed)
        let schema = try #require(report.check("schema_privilege"))
        #expect(schema.status == .failed)
        #expect(schema.observed == "no CREATE on schema public")
        #expect(schema.fix == "GRANT CREATE ON SCHEMA public TO \(user);")
        #expect(report.check("database_privilege")?.status == .warning)
        #expect(report.check("database_privilege")?.fix == "GRANT CREATE ON DATABASE \(database) TO \(user);")
        #expect(report.check("temp_privilege")?.status == .passed)
        #expect(report.check("writable")?.observed == "primary, read-write")
        let error = try #require(report.errorText)
        #expect(error.contains("schema_privilege is no CREATE on schema public"), "\(error)")
        #expect(error.contains("GRANT CREATE ON SCHEMA public TO \(user);"), "\(error)")
        #expect(report.step("write_test") == nil)
    }

    @Test func theSameUserOnADatabaseItOwnsPasses() async throws {
        let report = try await ping(database: ownedDatabase)
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("readiness")?.status == .passed, "\(report.summary)")
        #expect(report.checks.map(\.name) == ["schema_privilege", "database_privilege", "temp_privilege", "writable"])
        #expect(report.checks.allSatisfy { $0.status == .passed }, "\(report.checks)")
        #expect(report.check("wal_level") == nil, "a destination ping runs no CDC checks")
    }

    @Test func aMissingSchemaNamesCreateSchemaOrTheDatabasePrivilege() async throws {
        let refused = try await ping(database: database, extra: ["schema": "Staging Area"])
        let check = try #require(refused.check("schema_privilege"))
        #expect(refused.category == .permission, "\(refused.summary)")
        #expect(check.observed == #"schema "Staging Area" does not exist in database appdb"#)
        #expect(check.fix?.hasPrefix(#"CREATE SCHEMA "Staging Area" AUTHORIZATION \#(user);"#) == true, "\(check)")

        let owned = try await ping(database: ownedDatabase, extra: ["schema": "staging"])
        #expect(owned.ok, "\(owned.summary)")
        #expect(owned.check("schema_privilege")?.observed.contains("lets the pipeline create it") == true)
    }

    @Test func aHotStandbyIsNotWritable() async throws {
        #expect(try superuserQuery("SELECT 1", database: "postgres") == "1")
        let report = try await ping(database: ownedDatabase, port: standbyPort)
        #expect(report.category == .permission, "\(report.summary)")
        let writable = try #require(report.check("writable"))
        #expect(writable.status == .failed)
        #expect(writable.observed == "read replica (in recovery)")
        #expect(writable.fix?.contains("primary") == true)
        #expect(report.errorText?.contains("writable is read replica (in recovery)") == true, "\(report.summary)")
        // The privileges themselves are those of the primary.
        #expect(report.check("schema_privilege")?.status == .passed)
    }

    @Test func writeTestCreatesAndDropsOneTable() async throws {
        let report = try await ping(database: ownedDatabase, extra: ["writeTest": "true"])
        #expect(report.ok, "\(report.summary)")
        let step = try #require(report.step("write_test"))
        #expect(step.status == .passed, "\(report.summary)")
        let detail = try #require(step.detail)
        let name = try #require(detail.firstMatch(of: /preflight_write_test_[0-9a-f]{12}/)).output
        #expect(detail == "created table public.\(name) and dropped it: nothing is left")
        #expect(
            try superuserQuery(
                "SELECT count(*) FROM pg_class WHERE relname LIKE 'preflight\\_write\\_test\\_%'",
                database: ownedDatabase) == "0")
        // Another run picks another name.
        let again = try await ping(database: ownedDatabase, extra: ["writeTest": "true"])
        #expect(again.step("write_test")?.detail?.contains(String(name)) == false)
    }

    @Test func aFailedDropIsAWarningNamingTheLeftover() async throws {
        let noDrop = try #require(ProcessInfo.processInfo.environment["PREFLIGHT_TEST_PG_DEST_NODROP_DATABASE"])
        let report = try await ping(database: noDrop, extra: ["writeTest": "true"])
        #expect(report.ok, "\(report.summary)")
        let step = try #require(report.step("write_test"))
        #expect(step.status == .warning)
        let detail = try #require(step.detail)
        let name = String(try #require(detail.firstMatch(of: /preflight_write_test_[0-9a-f]{12}/)).output)
        #expect(detail.hasPrefix("created table public.\(name) but could not drop it ("), "\(detail)")
        #expect(detail.contains("DROP TABLE is refused"), "\(detail)")
        #expect(detail.hasSuffix("it is left behind"))
        #expect(step.hint == "DROP TABLE public.\(name);")
        let count = "SELECT count(*) FROM pg_class WHERE relname = '\(name)'"
        #expect(try superuserQuery(count, database: noDrop) == "1")
        // Clean up past the event trigger (it does not fire for a replica session).
        _ = try superuserQuery("SET session_replication_role = replica; DROP TABLE public.\(name)", database: noDrop)
        #expect(try superuserQuery(count, database: noDrop) == "0")
    }

    @Test func writeTestRunsOnlyWhenAskedAndOnlyForADestination() async throws {
        let plain = try await ping(database: ownedDatabase)
        #expect(plain.step("write_test") == nil)
        let notDestination = try await ping(database: ownedDatabase, role: nil, extra: ["writeTest": "true"])
        #expect(notDestination.step("write_test")?.status == .skipped, "\(notDestination.summary)")
        #expect(notDestination.check("schema_privilege") == nil)
        let refused = try await ping(database: database, extra: ["writeTest": "true"])
        #expect(refused.category == .permission)
        #expect(refused.step("write_test")?.status == .skipped)
        #expect(
            try superuserQuery(
                "SELECT count(*) FROM pg_class WHERE relname LIKE 'preflight\\_write\\_test\\_%'", database: database)
                == "0")
    }
}

/// The destination checks as pure functions: quoting, Redshift's wording, unknowns.
struct PostgresDestinationReadinessTests {
    @Test func identifiersAreQuotedOnlyWhenNeeded() {
        #expect(PostgresIdentifier.quoteIfNeeded("public") == "public")
        #expect(PostgresIdentifier.quoteIfNeeded("user") == "\"user\"")
        #expect(PostgresIdentifier.quoteIfNeeded("Artie") == "\"Artie\"")
        #expect(PostgresIdentifier.quoteIfNeeded("my-schema") == "\"my-schema\"")
        #expect(PostgresIdentifier.quoteIfNeeded("a\"b") == "\"a\"\"b\"")
        #expect(PostgresIdentifier.quoteIfNeeded("1abc") == "\"1abc\"")
    }

    @Test func everyMissingPrivilegeIsAFailedCheckWithItsGrant() {
        var seen = PostgresDestinationObservations()
        seen.inRecovery = false
        seen.transactionReadOnly = false
        seen.currentUser = "user"
        seen.schemaExists = true
        seen.schemaCreate = false
        seen.schemaUsage = false
        seen.databaseCreate = false
        seen.databaseTemp = false
        let checks = PostgresDestinationReadiness.checks(seen, user: "user", database: "App", schema: "public")
        #expect(
            checks.first { $0.name == "schema_privilege" }?.fix == "GRANT USAGE, CREATE ON SCHEMA public TO \"user\";")
        #expect(checks.first { $0.name == "temp_privilege" }?.fix == "GRANT TEMP ON DATABASE \"App\" TO \"user\";")
        #expect(checks.first { $0.name == "temp_privilege" }?.status == .failed)
        #expect(checks.first { $0.name == "database_privilege" }?.status == .warning)
        let failure = ReadinessVerdict.destinationFailure(for: checks, server: "db:5439", target: "schema public")
        #expect(failure?.category == .permission)
        #expect(failure?.hint?.contains("GRANT TEMP ON DATABASE") == true)
    }

    @Test func readOnlyAndUnreadableStates() {
        var seen = PostgresDestinationObservations()
        seen.transactionReadOnly = true
        seen.queryError = "permission denied"
        let checks = PostgresDestinationReadiness.checks(
            seen, user: "u", database: "dev", schema: "public", type: .redshift)
        #expect(checks.first { $0.name == "writable" }?.status == .failed)
        #expect(checks.first { $0.name == "schema_privilege" }?.status == .warning)
        #expect(checks.first { $0.name == "schema_privilege" }?.detail == "could not be read: permission denied")
    }
}
