import Foundation
import PreflightCore
import PreflightEngine
import PreflightSnowflake
import PreflightTestSupport
import Testing

/// Destination readiness against `FakeSnowflake`, which answers SHOW GRANTS TO ROLE in Snowflake's
/// column layout (created_on, privilege, granted_on, name, granted_to, grantee_name, grant_option,
/// granted_by) and SHOW WAREHOUSES with its state and auto_resume columns, on both APIs.
@Suite("Snowflake destination readiness against a local peer")
struct SnowflakeDestinationTests {
    func ping(
        _ fake: FakeSnowflake, password: Bool = false, database: String?, schema: String? = nil, role: String? = nil
    ) async throws -> PingReport {
        let server = try await SnowflakeTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = SnowflakeTesting.payload(
            accountURL: server.endpoint, privateKey: password ? nil : SnowflakeTestKeys.userPEM,
            password: password ? SnowflakeTesting.password : nil, role: role, database: database, schema: schema)
        return try await SnowflakeTesting.ping(
            SnowflakeTesting.engine(), payload, runtimeSecrets: fake.presentedJWTs + fake.issuedTokens)
    }

    @Test("the role's grants cover the database: every check passes, on both APIs")
    func grantedDatabase() async throws {
        for password in [false, true] {
            let fake = SnowflakeTesting.fake()
            let report = try await ping(fake, password: password, database: "analytics")
            #expect(report.ok, "\(report.summary)")
            #expect(report.check("database_usage")?.status == .passed)
            #expect(
                report.check("schema_create")?.observed == "role LOADER_ROLE holds CREATE SCHEMA on DATABASE ANALYTICS")
            #expect(report.check("warehouse_resume")?.observed == "STARTED, auto_resume true")
            #expect(report.step("readiness")?.detail == "can write to database analytics (3 checks passed)")
            #expect(
                fake.statements.suffix(2) == ["SHOW GRANTS TO ROLE LOADER_ROLE", "SHOW WAREHOUSES LIKE 'LOADING_WH'"])
            if password { #expect(fake.openSessions == 0) }
        }
    }

    @Test("missing USAGE and CREATE SCHEMA: permission, both GRANTs collected")
    func missingGrants() async throws {
        let fake = SnowflakeTesting.fake()
        let report = try await ping(fake, database: "REPORTING")
        #expect(report.category == .permission, "\(report.summary)")
        let usage = try #require(report.check("database_usage"))
        #expect(usage.status == .failed)
        #expect(usage.fix == "GRANT USAGE ON DATABASE REPORTING TO ROLE LOADER_ROLE;")
        let create = try #require(report.check("schema_create"))
        #expect(create.status == .failed)
        #expect(create.observed == "role LOADER_ROLE lacks CREATE SCHEMA on DATABASE REPORTING")
        #expect(create.fix == "GRANT CREATE SCHEMA ON DATABASE REPORTING TO ROLE LOADER_ROLE;")
        #expect(
            report.hint
                == "Fix: GRANT USAGE ON DATABASE REPORTING TO ROLE LOADER_ROLE; GRANT CREATE SCHEMA ON DATABASE REPORTING TO ROLE LOADER_ROLE;"
        )
        #expect(report.message?.contains("is not ready as a destination (database REPORTING)") == true)
    }

    @Test("a named schema: USAGE and CREATE TABLE on it instead of CREATE SCHEMA")
    func namedSchema() async throws {
        let granted = try await ping(SnowflakeTesting.fake(), database: "ANALYTICS", schema: "RAW")
        #expect(granted.ok, "\(granted.summary)")
        #expect(granted.check("table_create")?.status == .passed)
        #expect(granted.check("schema_create") == nil)
        let missing = try await ping(SnowflakeTesting.fake(), password: true, database: "SALES", schema: "Staging")
        #expect(missing.category == .permission, "\(missing.summary)")
        #expect(missing.check("database_usage")?.status == .passed)
        #expect(
            missing.check("table_create")?.fix
                == "GRANT USAGE, CREATE TABLE ON SCHEMA SALES.STAGING TO ROLE LOADER_ROLE;",
            "an unquoted name is Snowflake's upper case")
    }

    @Test("a suspended warehouse without auto-resume fails with the ALTER; with auto-resume it passes")
    func suspendedWarehouse() async throws {
        let stuck = try await ping(
            SnowflakeTesting.fake(warehouseStates: ["LOADING_WH": ("SUSPENDED", false)]), password: true,
            database: "ANALYTICS")
        #expect(stuck.category == .permission, "\(stuck.summary)")
        let check = try #require(stuck.check("warehouse_resume"))
        #expect(check.observed == "SUSPENDED, auto_resume false")
        #expect(check.fix == "ALTER WAREHOUSE LOADING_WH SET AUTO_RESUME = TRUE;")
        let resumes = try await ping(
            SnowflakeTesting.fake(warehouseStates: ["LOADING_WH": ("SUSPENDED", true)]), database: "ANALYTICS")
        #expect(resumes.ok, "\(resumes.summary)")
        #expect(resumes.check("warehouse_resume")?.status == .passed)
    }

    @Test("a role that inherits another: a missing grant may come from it, a warning")
    func inheritedRole() async throws {
        let report = try await ping(SnowflakeTesting.fake(), database: "ANALYTICS", role: "HELPER_ROLE")
        #expect(report.ok, "\(report.summary)")
        let check = try #require(report.check("schema_create"))
        #expect(check.status == .warning)
        #expect(check.detail?.contains("unless granted through role WRITER_ROLE") == true, "\(check.detail ?? "")")
    }

    @Test("without a database the grants are not read; the warehouse still is")
    func noDatabase() async throws {
        let fake = SnowflakeTesting.fake()
        let report = try await ping(fake, database: nil)
        #expect(report.ok, "\(report.summary)")
        #expect(report.check("database_usage")?.observed == "not checked: no database named")
        #expect(!fake.statements.contains { $0.hasPrefix("SHOW GRANTS") })
    }
}
