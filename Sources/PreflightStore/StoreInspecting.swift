/// Raw access to a store's tables, for tests that check what is (and is not) written to disk.
/// Internal: not part of the store's API.
protocol StoreInspecting: Sendable {
    /// Every row of `table`, each rendered as one line of text holding all its columns.
    func rawRows(of table: Migrations.Table) async throws -> [String]
    /// The names of the indexes in the database.
    func indexNames() async throws -> [String]
}
