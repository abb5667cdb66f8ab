import PreflightCore

/// What a destination ping of the PostgreSQL family checks: the schema the pipeline writes to
/// (extension `schema`, default `public`) and, only with `writeTest: true`, one table created and dropped.
public struct PostgresDestination: Sendable, Equatable {
    /// The target schema, as written (not folded to lower case).
    public var schema: String
    /// Whether to create and drop `preflight_write_test_<random>` in the schema.
    public var writeTest: Bool

    public init(schema: String = "public", writeTest: Bool = false) {
        self.schema = schema
        self.writeTest = writeTest
    }

    /// Reads `schema` and `writeTest` from the payload's `sharedConfig`.
    public init(payload: ConnectorPayload) throws(InvalidConfig) {
        let schema = try payload.sharedConfig.string("schema")?.trimmingCharacters(in: .whitespaces) ?? ""
        guard schema.utf8.count <= 63, !schema.contains("\0") else {
            throw InvalidConfig("sharedConfig.schema must be a schema name of at most 63 bytes")
        }
        self.init(
            schema: schema.isEmpty ? "public" : schema, writeTest: try payload.sharedConfig.bool("writeTest") ?? false)
    }
}
