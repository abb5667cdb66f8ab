import Logging
import PostgresNIO

/// Creates and drops whole databases through a server-level account (tests use it to get a fresh
/// database per run). Internal: not part of the store's API.
enum PostgresAdmin {
    /// Whether `name` can be used as an unquoted-style database name: 1...63 of `a-z 0-9 _`, not starting
    /// with a digit. Identifiers cannot be bound as parameters, so only such names are ever put into SQL.
    static func isSafeIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, (1...63).contains(name.unicodeScalars.count) else { return false }
        let allowed: (Unicode.Scalar) -> Bool = { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
        return !("0"..."9").contains(first) && name.unicodeScalars.allSatisfy(allowed)
    }

    /// Runs `CREATE DATABASE name` as `server`'s user, connected to `server`'s database.
    static func createDatabase(named name: String, server: PostgresURL, logger: Logger) async throws {
        try await execute(
            PostgresSQL.createDatabase(try checked(name)), server: server, action: "create database \(name)",
            logger: logger)
    }

    /// Runs `DROP DATABASE IF EXISTS name WITH (FORCE)` as `server`'s user, connected to `server`'s database.
    static func dropDatabase(named name: String, server: PostgresURL, logger: Logger) async throws {
        try await execute(
            PostgresSQL.dropDatabase(try checked(name)), server: server, action: "drop database \(name)", logger: logger
        )
    }

    private static func checked(_ name: String) throws -> String {
        guard isSafeIdentifier(name) else {
            throw StoreError(
                .invalidInput, "Database names must be 1-63 characters of a-z, 0-9 and _, not starting with a digit.")
        }
        return name
    }

    private static func execute(_ sql: String, server: PostgresURL, action: String, logger: Logger) async throws {
        let connection = try await PostgresStore.connect(url: server, logger: logger)
        do {
            try await PostgresStore.execute(sql, on: connection, logger: logger)
        } catch {
            try? await connection.close()
            throw PostgresStore.storeError(error, action: "PostgreSQL could not \(action)", url: server)
        }
        try? await connection.close()
    }
}
