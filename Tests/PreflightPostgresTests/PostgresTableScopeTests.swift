import Foundation
import PreflightCore
import PreflightEngine
import PreflightPostgres
import PreflightTestSupport
import Testing

/// Which tables `select_privilege` counts, on the real PostgreSQL 15 of scripts/test-servers.sh: in a database of
/// its own (so other tests' tables cannot change the count), a schema whose name needs quoting, a table whose
/// name holds a comma and a quote, a partitioned table with one partition, a table the role may read, and the
/// catalogs every database has. The readiness
/// statement filters `pg_class` on its own columns; the count must equal what the join with `pg_namespace` by
/// schema name counts, and the names must come out quoted as `quote_ident` quotes them.
@Suite(
    .serialized,
    .enabled(
        if: TestEnvironment.postgres() != nil || TestEnvironment.requireIntegration, "needs scripts/test-servers.sh"))
struct PostgresTableScopeTests {
    let server: PostgresTestServer
    let engine = PingEngine(
        configuration: EngineConfiguration(defaultTimeout: .seconds(10)), factories: [PostgresProbeFactory()])

    init() throws {
        server = try #require(TestEnvironment.postgres(), "PREFLIGHT_TEST_PG_* not set")
    }

    @Test("user tables of every kind are counted, catalogs are not, and names are quoted")
    func unreadableTablesAreCountedAndQuoted() async throws {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let database = "scope_\(suffix)"
        let role = "scope_user_\(suffix)"
        let password = "pw-\(UUID().uuidString)"
        _ = try server.superuserQuery("CREATE DATABASE \(database)")
        defer {
            _ = try? server.superuserQuery("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
            _ = try? server.superuserQuery("DROP ROLE IF EXISTS \(role)")
        }
        _ = try server.superuserQuery(
            """
            CREATE ROLE \(role) LOGIN PASSWORD '\(password)';
            GRANT CONNECT ON DATABASE \(database) TO \(role);
            """)
        _ = try server.superuserQuery(
            """
            CREATE SCHEMA "Odd Schema";
            CREATE TABLE "Odd Schema"."Mixed Case" (id int, note text);
            CREATE TABLE public.parted (id int, at date) PARTITION BY RANGE (at);
            CREATE TABLE public.parted_1 PARTITION OF public.parted FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
            CREATE TABLE public.readable (id int);
            CREATE TABLE public."comma, ""quote""\" (id int);
            GRANT USAGE ON SCHEMA "Odd Schema" TO \(role);
            GRANT SELECT ON public.readable TO \(role);
            """, database: database)
        // The count as a join with pg_namespace by schema name gives it (the readiness statement's earlier form).
        let byName = try server.superuserQuery(
            """
            SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
            """, database: database)
        #expect(byName == "5")

        let payload = try server.payload(user: role, password: password, database: database, role: "source")
        let report = try await engine.ping(payload)
        #expect(report.steps.first { $0.name == "auth" }?.status == .passed, "\(report.summary)")
        let select = try #require(report.checks.first { $0.name == "select_privilege" })
        #expect(select.status == .warning)
        #expect(
            select.observed
                == #"no SELECT on 4 of 5 tables: "Odd Schema"."Mixed Case", public."comma, ""quote""", public.parted, public.parted_1"#
        )
        #expect(report.checks.first { $0.name == "replication_privilege" }?.observed == "no REPLICATION attribute")
    }
}
