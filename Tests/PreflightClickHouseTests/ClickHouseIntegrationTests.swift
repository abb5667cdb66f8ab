import Foundation
import PreflightCore
import PreflightEngine
import PreflightTestSupport
import Testing

/// The local ClickHouse of `scripts/servers/clickhouse.sh` (read from `PREFLIGHT_TEST_CLICKHOUSE_*`).
struct ClickHouseTestServer: Sendable {
    var host: String
    var httpPort: Int
    var tcpPort: Int
    var user: String
    var password: String
    var readonlyUser: String
    var readonlyPassword: String
    var scopedUser: String
    var scopedPassword: String
    var database: String

    static let variables = [
        "PREFLIGHT_TEST_CLICKHOUSE_HOST", "PREFLIGHT_TEST_CLICKHOUSE_HTTP_PORT", "PREFLIGHT_TEST_CLICKHOUSE_TCP_PORT",
        "PREFLIGHT_TEST_CLICKHOUSE_USER", "PREFLIGHT_TEST_CLICKHOUSE_PASSWORD",
        "PREFLIGHT_TEST_CLICKHOUSE_READONLY_USER", "PREFLIGHT_TEST_CLICKHOUSE_READONLY_PASSWORD",
        "PREFLIGHT_TEST_CLICKHOUSE_SCOPED_USER", "PREFLIGHT_TEST_CLICKHOUSE_SCOPED_PASSWORD",
        "PREFLIGHT_TEST_CLICKHOUSE_DATABASE",
    ]

    static var missingVariables: [String] { variables.filter { TestEnvironment.value($0) == nil } }

    static func fromEnvironment() -> ClickHouseTestServer? {
        guard missingVariables.isEmpty else { return nil }
        func value(_ name: String) -> String { TestEnvironment.value("PREFLIGHT_TEST_CLICKHOUSE_\(name)") ?? "" }
        guard let http = Int(value("HTTP_PORT")), let tcp = Int(value("TCP_PORT")) else { return nil }
        return ClickHouseTestServer(
            host: value("HOST"), httpPort: http, tcpPort: tcp, user: value("USER"), password: value("PASSWORD"),
            readonlyUser: value("READONLY_USER"), readonlyPassword: value("READONLY_PASSWORD"),
            scopedUser: value("SCOPED_USER"), scopedPassword: value("SCOPED_PASSWORD"), database: value("DATABASE"))
    }

    var address: String { "\(host):\(httpPort)" }
}

/// Pings against the real ClickHouse 18.16 (Debian's package) of scripts/servers/clickhouse.sh, over plain HTTP.
@Suite(
    .enabled(
        if: ClickHouseTestServer.fromEnvironment() != nil || TestEnvironment.requireIntegration,
        "needs scripts/servers/clickhouse.sh"))
struct ClickHouseIntegrationTests {
    let server: ClickHouseTestServer
    let engine = ClickHouseTesting.engine(timeout: .seconds(10))

    init() throws {
        server = try #require(
            ClickHouseTestServer.fromEnvironment(),
            "missing \(ClickHouseTestServer.missingVariables): run scripts/servers/clickhouse.sh start DIR ENVFILE and source ENVFILE"
        )
    }

    func ping(_ addresses: [String]? = nil, user: String? = nil, password: String?, database: String? = nil)
        async throws -> PingReport
    {
        var extra: [String: JSONValue] = [:]
        if let database { extra["database"] = .string(database) }
        return try await ClickHouseTesting.ping(
            engine,
            ClickHouseTesting.payload(
                addresses: addresses ?? [server.address], username: user ?? server.user, password: password,
                extra: extra))
    }

    @Test func goodLoginSucceeds() async throws {
        let report = try await ping(password: server.password, database: server.database)
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("ping")?.detail?.contains("GET /ping answered Ok.") == true, "\(report.summary)")
        #expect(
            report.step("auth")?.detail?.contains("user \(server.user) authenticated; ClickHouse 18.16") == true,
            "\(report.summary)")
        #expect(report.step("auth")?.detail?.contains("database \(server.database)") == true)
    }

    @Test func readonlyUserLogsInButCannotWrite() async throws {
        let report = try await ping(user: server.readonlyUser, password: server.readonlyPassword)
        #expect(report.step("auth")?.status == .passed, "\(report.summary)")
        #expect(report.category == .permission, "\(report.summary)")
        let writable = try #require(report.check("writable"))
        #expect(writable.status == .failed)
        #expect(writable.observed == "readonly = 1 for user \(server.readonlyUser)")
        #expect(writable.fix?.hasPrefix("ALTER USER \(server.readonlyUser) SETTINGS readonly = 0;") == true)
        #expect(report.errorText?.contains("writable is readonly = 1") == true, "\(report.errorText ?? "")")
        #expect(report.errorText?.contains("<readonly>0</readonly>") == true, "\(report.errorText ?? "")")
    }

    @Test func fullUserCanWriteOnAServerWithoutSQLGrants() async throws {
        let report = try await ping(password: server.password, database: server.database)
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("readiness")?.status == .passed, "\(report.summary)")
        #expect(report.check("writable")?.observed.hasPrefix("readonly = 0") == true, "\(report.checks)")
        #expect(report.check("write_privileges")?.observed.contains("before ClickHouse 20.5") == true)
        #expect(report.step("write_test") == nil)
    }

    @Test func writeTestCreatesAndDropsOneTable() async throws {
        var extra: [String: JSONValue] = ["database": .string(server.database), "writeTest": .bool(true)]
        let report = try await ClickHouseTesting.ping(
            engine,
            ClickHouseTesting.payload(
                addresses: [server.address], username: server.user, password: server.password, extra: extra))
        #expect(report.ok, "\(report.summary)")
        let detail = try #require(report.step("write_test")?.detail, "\(report.summary)")
        let name = try #require(detail.firstMatch(of: /preflight_write_test_[0-9a-f]{12}/)).output
        #expect(detail == "created table \(server.database).\(name) and dropped it: nothing is left")
        let left = try query(
            "SELECT count() FROM system.tables WHERE database = '\(server.database)' AND name LIKE 'preflight_write_test_%'"
        )
        #expect(left == "0")
        // The read-only user never gets to the write test.
        extra["database"] = nil
        let refused = try await ClickHouseTesting.ping(
            engine,
            ClickHouseTesting.payload(
                addresses: [server.address], username: server.readonlyUser, password: server.readonlyPassword,
                extra: extra))
        #expect(refused.category == .permission)
        #expect(refused.step("write_test")?.status == .skipped)
    }

    /// A query as the full user, with curl.
    func query(_ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "curl", "-sS", "--fail", "-H", "X-ClickHouse-User: \(server.user)", "-H",
            "X-ClickHouse-Key: \(server.password)", "--data-binary", sql, "http://\(server.address)/",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "curl failed: \(sql)")
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func wrongPasswordIsAuthWithCode193() async throws {
        let planted = "Planted-ClickHouse-Pass-193"
        let report = try await ping(password: planted)
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.message?.contains("Code: 193 WRONG_PASSWORD") == true, "\(report.summary)")
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(!json.contains(planted))
    }

    @Test func unknownUserAndMissingPasswordAreAuth() async throws {
        let unknown = try await ping(user: "nobody_here", password: "Some-Pass-192")
        #expect(unknown.category == .auth, "\(unknown.summary)")
        #expect(unknown.message?.contains("Code: 192") == true)
        let missing = try await ping(password: nil)
        #expect(missing.category == .auth, "\(missing.summary)")
        #expect(missing.message?.contains("requires a password") == true, "\(missing.summary)")
    }

    @Test func unknownDatabaseIsDatabaseNotFound() async throws {
        let report = try await ping(password: server.password, database: "no_such_db")
        #expect(report.category == .databaseNotFound, "\(report.summary)")
        #expect(report.message?.contains("Code: 81") == true)
    }

    @Test func databaseOutsideTheUsersListIsPermission() async throws {
        let report = try await ping(user: server.scopedUser, password: server.scopedPassword, database: server.database)
        #expect(report.category == .permission, "\(report.summary)")
        #expect(report.message?.contains("Code: 291") == true)
    }

    @Test func firstAnsweringAddressIsUsed() async throws {
        let report = try await ping(["127.0.0.1:\(closedPort())", server.address], password: server.password)
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("connect")?.status == .failed)
        #expect(report.step("address2_connect")?.status == .passed, "\(report.summary)")
        #expect(report.step("addresses")?.status == .warning)
    }

    @Test func noAnsweringAddressNamesEach() async throws {
        let report = try await ping(
            ["127.0.0.1:\(closedPort())", "127.0.0.1:\(closedPort())"], password: server.password)
        #expect(report.category == .refused, "\(report.summary)")
        #expect(report.message?.contains("none of the 2 ClickHouse addresses answered") == true, "\(report.summary)")
    }

    @Test func nativePortIsNotHTTP() async throws {
        let report = try await ping(["\(server.host):\(server.tcpPort)"], password: server.password)
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("native protocol port") == true, "\(report.summary)")
    }

    @Test func timings() async throws {
        var durations: [Double] = []
        for _ in 0..<10 {
            let report = try await ping(password: server.password, database: server.database)
            #expect(report.ok)
            durations.append(report.durationMs)
        }
        print(
            "clickhouse ping (HTTP, /ping + SELECT version()) ms: \(durations.map { String(format: "%.1f", $0) }.joined(separator: " "))"
        )
    }
}
