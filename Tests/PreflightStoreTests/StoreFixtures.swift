import Foundation
import Logging
import PreflightTestSupport
import Testing

@testable import PreflightStore

/// A logger that discards everything, so test output stays readable.
let quietLogger = Logger(label: "preflight.store.tests", factory: { _ in SwiftLogNoOpLogHandler() })

/// The backends the shared behaviours run against.
enum Backend: String, Sendable {
    case sqlite
    case postgres
}

/// One empty database for one test: opens stores on it, and removes it afterwards.
struct StoreFixture: Sendable {
    let backend: Backend
    let location: StoreLocation
    /// For SQLite: the database file (its `-wal` sibling holds recent writes).
    let sqlitePath: String?
    private let cleanUp: @Sendable () async -> Void

    /// Opens a new store on the fixture's database (running migrations, as the service does).
    func open() async throws -> any PreflightStore {
        try await StoreFactory.open(location, logger: quietLogger)
    }

    /// Opens a store applying only `migrations` (to build an older schema).
    func open(migrations: [Migration]) async throws -> any PreflightStore {
        try await StoreFactory.open(location, logger: quietLogger, migrations: migrations)
    }

    /// Removes the database.
    func tearDown() async {
        await cleanUp()
    }

    /// A fresh SQLite file in a new temporary directory.
    static func sqlite() throws -> StoreFixture {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("preflight-store-tests-\(UUID().uuidString.lowercased())", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("store.sqlite").path
        return StoreFixture(backend: .sqlite, location: .sqlite(path: path), sqlitePath: path) {
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// A fresh database `preflight_store_test_<random>` on the test cluster, dropped by `tearDown()`.
    static func postgres() async throws -> StoreFixture {
        let server = try PostgresTestEnvironment.serverURL()
        let name =
            "preflight_store_test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16))"
        try await PostgresAdmin.createDatabase(named: name, server: server, logger: quietLogger)
        var target = server
        target.database = name
        target.sslMode = .disable
        let location = StoreLocation.postgres(url: target.connectionURLForTests)
        return StoreFixture(backend: .postgres, location: location, sqlitePath: nil) {
            do {
                try await PostgresAdmin.dropDatabase(named: name, server: server, logger: quietLogger)
            } catch {
                Issue.record("Could not drop test database \(name): \(error)")
            }
        }
    }

    /// Makes a fixture for `backend`, runs `body`, and always tears the fixture down.
    static func with(_ backend: Backend, _ body: (StoreFixture) async throws -> Void) async throws {
        let fixture =
            switch backend {
            case .sqlite: try sqlite()
            case .postgres: try await postgres()
            }
        do {
            try await body(fixture)
        } catch {
            await fixture.tearDown()
            throw error
        }
        await fixture.tearDown()
    }

    private init(
        backend: Backend, location: StoreLocation, sqlitePath: String?, cleanUp: @escaping @Sendable () async -> Void
    ) {
        self.backend = backend
        self.location = location
        self.sqlitePath = sqlitePath
        self.cleanUp = cleanUp
    }
}

/// Opens a store on `fixture`, runs `body`, and always closes the store.
@discardableResult
func withStore<T>(_ fixture: StoreFixture, _ body: (any PreflightStore) async throws -> T) async throws -> T {
    let store = try await fixture.open()
    do {
        let result = try await body(store)
        try await store.close()
        return result
    } catch {
        try? await store.close()
        throw error
    }
}

/// Every row of `table`, as text.
func rawRows(_ store: any PreflightStore, _ table: Migrations.Table) async throws -> [String] {
    let inspecting = try #require(store as? any StoreInspecting)
    return try await inspecting.rawRows(of: table)
}

/// The names of the database's indexes.
func indexNames(_ store: any PreflightStore) async throws -> [String] {
    let inspecting = try #require(store as? any StoreInspecting)
    return try await inspecting.indexNames()
}

/// Whether `needle` occurs in `haystack`.
func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return false }
    for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
        if Array(haystack[start..<(start + needle.count)]) == needle { return true }
    }
    return false
}

/// The PostgreSQL test cluster, described by environment variables (a script in CI starts it).
///
/// The store tests need a superuser (trust auth over TCP) to create and drop their own database, so they
/// read `PREFLIGHT_TEST_PG_HOST`, `PREFLIGHT_TEST_PG_PORT` and `PREFLIGHT_TEST_PG_SUPERUSER`, and run only
/// when all three are set.
enum PostgresTestEnvironment {
    static let variables = ["PREFLIGHT_TEST_PG_HOST", "PREFLIGHT_TEST_PG_PORT", "PREFLIGHT_TEST_PG_SUPERUSER"]

    /// The variables that are unset, empty or (for the port) not a number.
    static var missingVariables: [String] {
        variables.filter { name in
            guard let text = TestEnvironment.value(name) else { return true }
            return name.hasSuffix("_PORT") && Int(text) == nil
        }
    }

    static var isConfigured: Bool { missingVariables.isEmpty }
    /// CI sets `PREFLIGHT_REQUIRE_INTEGRATION=1`: then a missing cluster is a failure, not a skip.
    static var isRequired: Bool { TestEnvironment.requireIntegration }

    static var missingMessage: Comment {
        """
        PREFLIGHT_REQUIRE_INTEGRATION=1 but the PostgreSQL test cluster is not configured \
        (missing or invalid: \(missingVariables.joined(separator: ", "))). Set PREFLIGHT_TEST_PG_HOST, \
        PREFLIGHT_TEST_PG_PORT and PREFLIGHT_TEST_PG_SUPERUSER to a server where that superuser has trust \
        auth over TCP, so the store tests can create and drop their own database.
        """
    }

    /// The superuser on the maintenance database `postgres`.
    static func serverURL() throws -> PostgresURL {
        guard let host = TestEnvironment.value("PREFLIGHT_TEST_PG_HOST"),
            let port = TestEnvironment.value("PREFLIGHT_TEST_PG_PORT").flatMap({ Int($0) }),
            let superuser = TestEnvironment.value("PREFLIGHT_TEST_PG_SUPERUSER")
        else {
            Issue.record(missingMessage)
            throw StoreError(.invalidLocation, "The PostgreSQL test cluster is not configured.")
        }
        return PostgresURL(
            host: host, port: port, username: superuser, password: nil, database: "postgres", sslMode: .disable)
    }
}

extension PostgresURL {
    /// The URL text for a password-less test URL.
    var connectionURLForTests: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let user = username.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? username
        return "postgres://\(user)@\(hostPart):\(port)/\(database)?sslmode=\(sslMode.rawValue)"
    }
}
