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
        try Migrations.validate()
        let store: any PreflightStore
        switch location {
        case .sqlite(let path):
            store = try await SQLiteStore.open(path: path, logger: logger)
        case .postgres(let text):
            store = try await PostgresStore.open(url: try PostgresURL(parsing: text), logger: logger)
        }
        logger.info("Opened store", metadata: [
            "store": .string(location.description), "schema_version": .stringConvertible(Migrations.latestVersion),
        ])
        return store
    }
}
