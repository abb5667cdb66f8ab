import Logging

/// Opens stores.
public enum StoreFactory {
    /// Opens the store at `location`, creating the SQLite file if needed, and brings its schema up to date.
    ///
    /// Migrations are idempotent and safe when several processes open the same database at once.
    ///
    /// - Throws: ``StoreError`` (never containing a password) when the location is invalid, the database
    ///   cannot be reached or opened, or migrating fails.
    public static func open(_ location: StoreLocation, logger: Logger) async throws -> any PreflightStore {
        try await open(location, logger: logger, migrations: Migrations.all)
    }

    /// Opens the store applying only `migrations` (tests use a prefix of the list to build an older schema).
    static func open(_ location: StoreLocation, logger: Logger, migrations: [Migration]) async throws
        -> any PreflightStore
    {
        try Migrations.validate(migrations)
        let store: any PreflightStore
        switch location {
        case .sqlite(let path):
            store = try await SQLiteStore.open(path: path, logger: logger, migrations: migrations)
        case .postgres(let text):
            store = try await PostgresStore.open(
                url: try PostgresURL(parsing: text), logger: logger, migrations: migrations)
        }
        logger.info(
            "Opened store",
            metadata: [
                "store": .string(location.description),
                "schema_version": .stringConvertible(migrations.last?.version ?? 0),
            ])
        return store
    }
}
