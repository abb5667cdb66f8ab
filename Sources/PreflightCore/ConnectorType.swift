/// Every connector `type` slug Artie's API knows. Preflight accepts them all; the ones it cannot probe
/// yet answer with category `unsupported`.
public enum ConnectorType: String, Sendable, Codable, CaseIterable {
    case api, bigquery, clickhouse, cockroach, databricks, delta, documentdb, dynamodb, gcs, iceberg, keyspaces
    case mongodb, motherduck, mssql, mysql, oracle, planetscale, postgresql, redis, redshift, s3, snowflake

    /// The port a server of this type usually listens on, when the type has one: the one place default
    /// ports are written (configs, messages and the descriptions read it).
    public var defaultPort: Int? {
        switch self {
        case .postgresql: 5432
        case .cockroach: 26257
        case .redshift: 5439
        case .mysql, .planetscale: 3306
        case .mssql: 1433
        case .oracle: 1521
        case .keyspaces: 9142
        case .redis: 6379
        case .mongodb, .documentdb: 27017
        default: nil
        }
    }

    /// The product name people know, for messages ("not PostgreSQL").
    public var productName: String {
        switch self {
        case .postgresql: "PostgreSQL"
        case .cockroach: "CockroachDB"
        case .redshift: "Amazon Redshift"
        case .mysql: "MySQL"
        case .planetscale: "PlanetScale"
        case .mssql: "SQL Server"
        case .oracle: "Oracle"
        case .mongodb: "MongoDB"
        case .documentdb: "Amazon DocumentDB"
        case .dynamodb: "DynamoDB"
        case .keyspaces: "Amazon Keyspaces"
        case .s3: "Amazon S3"
        case .iceberg: "Iceberg"
        case .bigquery: "BigQuery"
        case .gcs: "Google Cloud Storage"
        case .snowflake: "Snowflake"
        case .databricks: "Databricks"
        case .clickhouse: "ClickHouse"
        case .motherduck: "MotherDuck"
        case .redis: "Redis"
        case .delta: "Delta Lake"
        case .api: "API"
        }
    }

    /// Types that are only ever a source in Artie (their readiness always decides the ping).
    public var isSourceOnly: Bool {
        switch self {
        case .dynamodb, .keyspaces, .api, .oracle: true
        default: false
        }
    }

    /// Types that are only ever a destination in Artie (their destination readiness always decides the ping).
    public var isDestinationOnly: Bool {
        switch self {
        case .redshift, .snowflake, .bigquery, .databricks, .clickhouse, .motherduck, .gcs, .s3, .iceberg, .delta: true
        default: false
        }
    }

    /// The type whose slug or product name is closest to `text` (a typo, "postgres", "sql server"), when
    /// one is close enough to suggest.
    public static func nearest(to text: String) -> ConnectorType? {
        let typed = text.lowercased().filter { $0.isLetter || $0.isNumber }
        guard !typed.isEmpty, typed.count <= 40 else { return nil }
        var best: (type: ConnectorType, distance: Int)?
        for type in allCases {
            for name in [type.rawValue, type.productName.lowercased().filter { $0.isLetter || $0.isNumber }] {
                let distance = name.hasPrefix(typed) || typed.hasPrefix(name) ? 1 : editDistance(typed, name)
                if distance < (best?.distance ?? Int.max) { best = (type, distance) }
            }
        }
        guard let best, best.distance <= max(2, typed.count / 3) else { return nil }
        return best.type
    }

    /// Levenshtein distance.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// All slugs, sorted, for "supported types are ..." messages.
    public static var allSlugs: [String] { allCases.map(\.rawValue).sorted() }
}
