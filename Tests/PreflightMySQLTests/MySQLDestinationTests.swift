import Foundation
import PreflightCore
import PreflightEngine
import PreflightMySQL
import PreflightTestSupport
import Testing

/// Destination readiness against the real MariaDB of scripts/servers/mariadb.sh: norepl_user has SELECT
/// only, dest_user the write privileges on the pattern `app\_%`.* (app_dest, not appdb), all_user ALL on *.*.
@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["PREFLIGHT_TEST_MYSQL_DEST_USER"] != nil
            || TestEnvironment.requireIntegration, "needs scripts/servers/mariadb.sh"))
struct MySQLDestinationTests {
    let env = ProcessInfo.processInfo.environment
    let engine = MySQLTesting.engine()
    let host: String
    let port: Int

    init() throws {
        host = try #require(env["PREFLIGHT_TEST_MYSQL_HOST"])
        port = try #require(Int(env["PREFLIGHT_TEST_MYSQL_PORT"] ?? ""))
    }

    func value(_ name: String) throws -> String {
        try #require(env["PREFLIGHT_TEST_MYSQL_\(name)"], "PREFLIGHT_TEST_MYSQL_\(name) is not set")
    }

    func ping(_ account: String, database: String?, role: String? = "destination", writeTest: Bool = false)
        async throws -> PingReport
    {
        try await MySQLTesting.ping(
            engine,
            MySQLTesting.payload(
                host: host, port: port, user: try value("\(account)_USER"), password: try value("\(account)_PASSWORD"),
                database: database, extra: writeTest ? ["writeTest": "true"] : [:], role: role))
    }

    /// A query as all_user with the mariadb client.
    func adminQuery(_ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "mariadb", "--no-defaults", "--protocol=TCP", "-h", host, "-P", String(port), "-u", try value("ALL_USER"),
            "--skip-ssl", "--batch", "-N", "-e", sql,
        ]
        process.environment = ["MYSQL_PWD": try value("ALL_PASSWORD"), "PATH": "/usr/bin:/bin:/usr/sbin"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "mariadb failed: \(sql)")
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func selectOnlyUserIsPermissionListingTheMissingPrivileges() async throws {
        let database = try value("DATABASE")
        let report = try await ping("NOREPL", database: database)
        #expect(report.category == .permission, "\(report.summary)")
        let check = try #require(report.check("write_privileges"))
        #expect(check.status == .failed)
        #expect(check.observed.contains("SELECT on `\(database)`.*"), "\(check.observed)")
        #expect(check.observed.contains("missing CREATE, ALTER, INSERT, UPDATE, DELETE, DROP"), "\(check.observed)")
        let user = try value("NOREPL_USER")
        #expect(
            check.fix
                == "GRANT CREATE, ALTER, INSERT, UPDATE, DELETE, DROP ON `\(database)`.* TO '\(user)'@'127.0.0.1';")
        #expect(report.check("writable")?.status == .passed)
        #expect(report.errorText?.contains(check.fix ?? "-") == true, "\(report.errorText ?? "")")
        #expect(report.check("log_bin") == nil, "a destination ping runs no binlog checks")
    }

    @Test func wildcardDatabaseGrantCoversMatchingDatabasesOnly() async throws {
        let matching = try await ping("DEST", database: try value("DEST_DATABASE"))
        #expect(matching.ok, "\(matching.summary)")
        #expect(matching.check("write_privileges")?.observed.contains("on `app\\_%`.*") == true, "\(matching.checks)")
        // Without a database only *.* counts (a database outside the pattern is refused at login already).
        let other = try await ping("DEST", database: nil)
        #expect(other.category == .permission, "\(other.summary)")
        let check = try #require(other.check("write_privileges"))
        #expect(check.observed.hasPrefix("USAGE on *.*"), "\(check.observed)")
        #expect(check.fix == "GRANT CREATE, ALTER, INSERT, UPDATE, DELETE, DROP ON *.* TO 'dest_user'@'127.0.0.1';")
        #expect(check.detail?.contains("defaultDatabase") == true)
    }

    @Test func globalAllPrivilegesPasses() async throws {
        let report = try await ping("ALL", database: try value("DATABASE"))
        #expect(report.ok, "\(report.summary)")
        #expect(report.check("write_privileges")?.observed.contains("ALL PRIVILEGES on *.*") == true)
    }

    @Test func asASourceNothingChanges() async throws {
        let report = try await ping("DEST", database: try value("DEST_DATABASE"), role: "source")
        #expect(report.check("write_privileges") == nil)
        #expect(report.check("replication_privileges") != nil)
    }

    @Test func writeTestCreatesAndDropsOneTable() async throws {
        let database = try value("DEST_DATABASE")
        let report = try await ping("DEST", database: database, writeTest: true)
        #expect(report.ok, "\(report.summary)")
        let detail = try #require(report.step("write_test")?.detail)
        let name = try #require(detail.firstMatch(of: /preflight_write_test_[0-9a-f]{12}/)).output
        #expect(detail == "created table `\(database)`.`\(name)` and dropped it: nothing is left")
        #expect(
            try adminQuery(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_name LIKE 'preflight\\_write\\_test\\_%'")
                == "0")
        let without = try await ping("DEST", database: database)
        #expect(without.step("write_test") == nil)
        let refused = try await ping("NOREPL", database: try value("DATABASE"), writeTest: true)
        #expect(refused.step("write_test")?.status == .skipped)
    }
}

/// The grant arithmetic as pure functions.
struct MySQLDestinationReadinessTests {
    @Test func grantsCombineAcrossGlobalDatabaseAndPatternLevels() {
        let seen = MySQLDestinationObservations(
            grants: [
                "GRANT USAGE ON *.* TO `u`@`%`",
                "GRANT INSERT, UPDATE, DELETE ON *.* TO `u`@`%`",
                "GRANT CREATE, ALTER ON `sales\\_%`.* TO `u`@`%`",
                "GRANT DROP ON `sales_eu`.`t1` TO `u`@`%`",
            ], currentUser: "u@%", readOnly: "OFF")
        let eu = MySQLDestinationReadiness.checks(seen, user: "u", database: "sales_eu")
        #expect(eu[0].fix == "GRANT DROP ON `sales_eu`.* TO 'u'@'%';", "table-level DROP does not count")
        let other = MySQLDestinationReadiness.checks(seen, user: "u", database: "salesXeu")
        #expect(other[0].fix == "GRANT CREATE, ALTER, DROP ON `salesXeu`.* TO 'u'@'%';", "\\_ is a literal underscore")
    }

    @Test func rolesMakeAWarningAndReadOnlyFails() {
        let seen = MySQLDestinationObservations(
            grants: ["GRANT SELECT ON `app`.* TO `u`@`%`", "GRANT `writer` TO `u`@`%`"], currentUser: "u@%",
            readOnly: "1")
        let checks = MySQLDestinationReadiness.checks(seen, user: "u", database: "app")
        #expect(checks[0].status == .warning)
        #expect(checks[0].detail?.contains("role writer") == true)
        #expect(checks[1].status == .failed)
        #expect(checks[1].observed == "read_only ON")
    }
}
