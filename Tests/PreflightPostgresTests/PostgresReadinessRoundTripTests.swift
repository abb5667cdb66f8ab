import Foundation
import Logging
import PostgresNIO
import PreflightTestSupport
import Testing

@testable import PreflightPostgres

/// The readiness queries sent as one statement read the same observations as the four sent one by one,
/// on the real PostgreSQL 15 of scripts/test-servers.sh, for a replication user and one without rights.
@Suite(
    .enabled(
        if: TestEnvironment.postgres() != nil || TestEnvironment.requireIntegration, "needs scripts/test-servers.sh"))
struct PostgresReadinessRoundTripTests {
    @Test(arguments: [false, true])
    func oneStatementReadsWhatFourDo(unprivileged: Bool) async throws {
        let server = try #require(TestEnvironment.postgres())
        let user = unprivileged ? server.noreplUser : server.scramUser
        let password = unprivileged ? server.noreplPassword : server.scramPassword
        let configuration = PostgresConnection.Configuration(
            host: server.host, port: server.port, username: user, password: password, database: server.database,
            tls: .disable)
        let logger = Logger(label: "readiness-round-trip")
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        let combined = await PostgresQueries.observe(connection, logger: logger)
        let separate = await PostgresQueries.observe(connection, logger: logger, combined: false)
        try await connection.close()
        #expect(combined == separate)
        #expect(combined.queryErrors.isEmpty)
        #expect(combined.serverVersionNum != nil && combined.tablesTotal != nil && combined.publications != nil)
        #expect(combined.rolReplication == !unprivileged)
        #expect(PostgresQueries.combinedSQL.hasPrefix("SELECT (SELECT current_setting('server_version_num')"))
    }
}
