import Testing

@testable import PreflightStore

/// Runs every shared behaviour against each backend, each case on a fresh database.
@Suite("Store behaviour on each backend", .timeLimit(.minutes(2)))
struct StoreBackendTests {
    @Test("SQLite", arguments: StoreBehaviour.all)
    func sqlite(_ behaviour: StoreBehaviour) async throws {
        try await StoreFixture.with(.sqlite, behaviour.body)
    }

    @Test(
        "PostgreSQL",
        .enabled(
            if: PostgresTestEnvironment.isConfigured,
            "no PostgreSQL test cluster (PREFLIGHT_TEST_PG_HOST/_PORT/_SUPERUSER)"),
        arguments: StoreBehaviour.all
    )
    func postgres(_ behaviour: StoreBehaviour) async throws {
        try await StoreFixture.with(.postgres, behaviour.body)
    }

    /// In CI (`PREFLIGHT_REQUIRE_INTEGRATION=1`) a missing cluster must fail the run, not skip silently.
    @Test(
        "PostgreSQL test cluster is configured when integration tests are required",
        .enabled(if: PostgresTestEnvironment.isRequired))
    func postgresClusterConfigured() {
        #expect(PostgresTestEnvironment.isConfigured, PostgresTestEnvironment.missingMessage)
    }
}
