import PreflightCore

/// An Iceberg REST catalog's answers as destination readiness checks: `catalog_writes` (the endpoints
/// `/v1/config` advertises include creating and committing tables), `namespace_exists` (the namespace
/// loads) and `table_create` (a staged create, which the catalog authorizes but does not commit, was
/// allowed), each with its fix. Pure.
public enum IcebergDestinationReadiness {
    /// A catalog call's answer, by what its status means.
    public enum Answer: Sendable, Equatable {
        /// 2xx.
        case allowed
        /// 404 (`NoSuchNamespaceException`).
        case missing(String)
        /// 401, 403 or 419: the principal may not.
        case refused(String)
        /// 400, 405, 406 or 501: the catalog does not do it.
        case unsupported(String)
        /// Anything else (a 5xx, an unexpected status).
        case other(String)

        /// Sorts an HTTP status; `said` is the catalog's error, quoted.
        public static func from(status: Int, said: String) -> Answer {
            switch status {
            case 200..<300: .allowed
            case 404: .missing(said)
            case 401, 403, 419: .refused(said)
            case 400, 405, 406, 501: .unsupported(said)
            default: .other(said)
            }
        }
    }

    /// `a.b` as written in Spark SQL: `` `a`.`b` ``.
    static func sql(_ namespace: [String]) -> String {
        namespace.map { "`" + $0.replacingOccurrences(of: "`", with: "``") + "`" }.joined(separator: ".")
    }

    static func dotted(_ namespace: [String]) -> String { namespace.joined(separator: ".") }

    public static func catalogWrites(endpoints: [String]?) -> ReadinessCheck {
        let required = "the catalog offers " + IcebergREST.writeEndpoints.joined(separator: " and ")
        guard let endpoints else {
            return ReadinessCheck(
                name: "catalog_writes", status: .passed,
                observed: "no endpoint list in /v1/config: the REST spec's defaults, which include both",
                required: required)
        }
        let missing = IcebergREST.writeEndpoints.filter { !endpoints.contains($0) }
        guard !missing.isEmpty else {
            return ReadinessCheck(
                name: "catalog_writes", status: .passed, observed: "both advertised by /v1/config", required: required)
        }
        return ReadinessCheck(
            name: "catalog_writes", status: .failed,
            observed: "/v1/config advertises \(endpoints.count) endpoints but not " + missing.joined(separator: " or "),
            required: required,
            detail:
                "a catalog that does not offer these cannot create or commit the pipeline's tables (a read-only catalog or mirror)",
            fix: "point sharedConfig.uri (and warehouse) at a catalog that accepts writes")
    }

    public static func namespace(_ namespace: [String], answer: Answer, principal: String) -> ReadinessCheck {
        let name = dotted(namespace)
        let required = "namespace \(name) exists and \(principal) may load it"
        switch answer {
        case .allowed:
            return ReadinessCheck(
                name: "namespace_exists", status: .passed, observed: "namespace \(name) loads", required: required)
        case .missing(let said):
            return ReadinessCheck(
                name: "namespace_exists", status: .failed, observed: "namespace \(name) does not exist (\(said))",
                required: required,
                fix:
                    "create it: CREATE NAMESPACE \(sql(namespace)) (Spark SQL), or POST /v1/{prefix}/namespaces {\"namespace\": [\(namespace.map { "\"\($0)\"" }.joined(separator: ", "))]}"
            )
        case .refused(let said):
            return ReadinessCheck(
                name: "namespace_exists", status: .failed,
                observed: "\(principal) may not load namespace \(name) (\(said))",
                required: required,
                fix:
                    "grant \(principal) read access to namespace \(name) (Apache Polaris: NAMESPACE_READ_PROPERTIES through a catalog role granted to its principal role)"
            )
        case .unsupported(let said), .other(let said):
            return ReadinessCheck(
                name: "namespace_exists", status: .warning, observed: "loading namespace \(name) answered \(said)",
                required: required, fix: "check namespace \(name) in the catalog")
        }
    }

    public static func tableCreate(_ namespace: [String], answer: Answer, principal: String, table: String)
        -> ReadinessCheck
    {
        let name = dotted(namespace)
        let required = "\(principal) may create tables in namespace \(name)"
        let proveIt =
            "to prove it, set writeTest: true (creates the empty table \(name).preflight_<uuid> and drops it with purgeRequested)"
        switch answer {
        case .allowed:
            return ReadinessCheck(
                name: "table_create", status: .passed,
                observed: "a staged create of \(name).\(table) was authorized (stage-create: nothing committed)",
                required: required)
        case .refused(let said):
            return ReadinessCheck(
                name: "table_create", status: .failed,
                observed: "\(principal) may not create tables in namespace \(name) (\(said))", required: required,
                detail:
                    "asked with a staged create of \(name).\(table), which a catalog authorizes like a create but does not commit",
                fix:
                    "grant \(principal) the right to create tables in namespace \(name) (Apache Polaris: TABLE_CREATE and TABLE_WRITE_DATA through a catalog role granted to its principal role; Unity Catalog: USE SCHEMA and CREATE TABLE)"
            )
        case .unsupported(let said), .missing(let said), .other(let said):
            return ReadinessCheck(
                name: "table_create", status: .warning,
                observed: "unproven: the catalog answered a staged create with \(said)", required: required,
                detail:
                    "the Iceberg REST protocol has no call that asks for a right without using it; this catalog does not authorize staged creates",
                fix: proveIt)
        }
    }

    /// No namespace named: the rights to create tables cannot be asked about.
    public static func noNamespace() -> ReadinessCheck {
        ReadinessCheck(
            name: "table_create", status: .warning, observed: "not checked: no namespace named",
            required: "the principal may create tables in the namespace the pipeline writes to",
            detail: "without a namespace there is nothing to ask the catalog about",
            fix: "set sharedConfig.namespace (e.g. analytics, or lake.analytics) to check it")
    }
}
