import Foundation
import PreflightCore
import PreflightEngine
import PreflightPostgres
import PreflightTestSupport
import Testing

/// Amazon RDS grants logical replication through membership of the `rds_replication` role, not the
/// REPLICATION attribute. On the real PostgreSQL 15 of scripts/test-servers.sh, a role of that name and a
/// login that is a member of it (created here as the trusted superuser, dropped at the end) must pass
/// `replication_privilege` as a member; a login that is not a member must not.
@Suite(
    .serialized,
    .enabled(
        if: TestEnvironment.postgres() != nil || TestEnvironment.requireIntegration, "needs scripts/test-servers.sh"))
struct PostgresRDSRoleTests {
    let server: PostgresTestServer
    let engine = PingEngine(
        configuration: EngineConfiguration(defaultTimeout: .seconds(10)), factories: [PostgresProbeFactory()])

    init() throws {
        server = try #require(TestEnvironment.postgres(), "PREFLIGHT_TEST_PG_* not set")
    }

    func replicationCheck(user: String, password: String) async throws -> ReadinessCheck? {
        let payload = try server.payload(user: user, password: password, database: server.database, role: "source")
        let report = try await engine.ping(payload)
        #expect(report.steps.first { $0.name == "auth" }?.status == .passed, "\(report.summary)")
        return report.checks.first { $0.name == "replication_privilege" }
    }

    @Test("a member of rds_replication passes as a member; a login outside it does not")
    func rdsReplicationMembership() async throws {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let member = "rds_member_\(suffix)"
        let outsider = "rds_outsider_\(suffix)"
        let password = "pw-\(UUID().uuidString)"
        _ = try server.superuserQuery(
            """
            DO $$ BEGIN
              IF to_regrole('rds_replication') IS NULL THEN CREATE ROLE rds_replication NOLOGIN; END IF;
            END $$;
            CREATE ROLE \(member) LOGIN PASSWORD '\(password)' IN ROLE rds_replication;
            CREATE ROLE \(outsider) LOGIN PASSWORD '\(password)';
            """)
        defer {
            _ = try? server.superuserQuery(
                "DROP ROLE IF EXISTS \(member); DROP ROLE IF EXISTS \(outsider); DROP ROLE IF EXISTS rds_replication;")
        }

        let inside = try #require(try await replicationCheck(user: member, password: password))
        #expect(inside.status == .passed, "\(inside)")
        #expect(inside.observed == "member of rds_replication", "\(inside)")

        let outside = try #require(try await replicationCheck(user: outsider, password: password))
        #expect(outside.status == .failed, "\(outside)")
    }
}
