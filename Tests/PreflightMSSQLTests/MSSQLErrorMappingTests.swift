import PreflightCore
import Testing

@testable import PreflightMSSQL

/// SQL Server's login errors as categories and fixes.
@Suite
struct MSSQLErrorMappingTests {
    let config = try! MSSQLConfig(
        payload: ConnectorPayload(
            type: .mssql,
            sharedConfig: SharedConfig(["host": .string("db.example.test"), "username": .string("artie")]),
            defaultDatabase: "app"))

    func map(_ number: Int32, state: UInt8 = 1, _ text: String) -> ProbeFailure {
        MSSQLErrorMapping.failure(
            for: TDSServerMessage(number: number, state: state, severity: 14, text: text, serverName: "s"),
            config: config, server: "db.example.test:1433")
    }

    @Test func loginErrorsMapToCategoriesWithTheirFixes() {
        let wrong = map(18456, state: 8, "Login failed for user 'artie'.")
        #expect(wrong.category == .auth)
        #expect(wrong.message.contains("state 8: the password is wrong"))
        let hidden = map(18456, "Login failed for user 'artie'.")
        #expect(hidden.category == .auth && hidden.hint?.contains("error log") == true)
        let database = map(4060, "Cannot open database \"app\" requested by the login. The login failed.")
        #expect(database.category == .databaseNotFound)
        #expect(database.hint?.contains("CREATE USER [artie] FOR LOGIN [artie]") == true)
        let expired = map(18488, "Login failed for user 'artie'. Reason: The password of the account must be changed.")
        #expect(expired.category == .auth && expired.hint?.contains("ALTER LOGIN [artie] WITH PASSWORD") == true)
        #expect(
            map(18452, "Login failed. The login is from an untrusted domain").message.contains("Windows authentication")
        )
        let firewall = map(
            40615,
            "Cannot open server 'prod' requested by the login. Client with IP address '203.0.113.7' is not allowed to access the server."
        )
        #expect(firewall.category == .permission)
        #expect(firewall.hint?.contains("sp_set_firewall_rule N'preflight', '203.0.113.7', '203.0.113.7'") == true)
        #expect(map(40532, "Cannot open server \"x\" requested by the login.").hint?.contains("@<server>") == true)
    }

    @Test func strictEncryptionRefusesAModeWithoutTLS() {
        #expect(throws: InvalidConfig.self) {
            try MSSQLConfig(
                payload: ConnectorPayload(
                    type: .mssql,
                    sharedConfig: SharedConfig(strings: [
                        "host": "db", "username": "u", "sslMode": "disable", "strictEncryption": "true",
                    ])))
        }
    }

    @Test func readinessChecksSayWhatToRun() {
        var seen = MSSQLObservations()
        seen.productVersion = "16.0.4135.4"
        seen.edition = "Developer Edition (64-bit)"
        seen.engineEdition = 3
        seen.database = "app"
        seen.databaseUser = "artie"
        seen.cdcEnabled = false
        seen.snapshotIsolationState = 0
        seen.agentStatus = "Stopped"
        seen.cdcSchemaReadable = .some(nil)
        let checks = MSSQLReadiness.checks(seen, username: "artie")
        let byName = Dictionary(uniqueKeysWithValues: checks.map { ($0.name, $0) })
        #expect(byName["edition"]?.status == .passed)
        #expect(byName["is_cdc_enabled"]?.status == .failed)
        #expect(byName["is_cdc_enabled"]?.fix?.hasPrefix("USE [app]; EXEC sys.sp_cdc_enable_db;") == true)
        #expect(byName["sql_server_agent"]?.status == .failed)
        #expect(byName["cdc_schema_select"]?.observed == "no cdc schema")
        #expect(byName["snapshot_isolation"]?.fix == "ALTER DATABASE [app] SET ALLOW_SNAPSHOT_ISOLATION ON;")
        seen.engineEdition = 4
        seen.agentStatus = nil
        seen.captureJob = .some((name: "cdc.app_capture", enabled: false))
        let express = Dictionary(
            uniqueKeysWithValues: MSSQLReadiness.checks(seen, username: "artie").map { ($0.name, $0) })
        #expect(express["edition"]?.status == .failed)
        #expect(express["cdc_capture_job"]?.fix?.contains("sp_update_job @job_name = N'cdc.app_capture'") == true)
        let destination = MSSQLReadiness.destinationChecks(
            databasePermissions: ["CONNECT", "SELECT"], schemaPermissions: ["SELECT"], schema: "dbo", username: "artie",
            errors: [:])
        #expect(destination.map(\.status) == [.failed, .failed])
        #expect(destination[1].fix == "GRANT ALTER ON SCHEMA::[dbo] TO [artie];")
    }
}
