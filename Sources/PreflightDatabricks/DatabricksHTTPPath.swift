import PreflightCore

/// The compute a Databricks `httpPath` names. Pure.
///
/// - `/sql/1.0/warehouses/<id>` (or the older `/sql/1.0/endpoints/<id>`): a SQL warehouse;
/// - `sql/protocolv1/o/<workspace id>/<cluster id>`: an all-purpose cluster.
public enum DatabricksCompute: Sendable, Equatable {
    case warehouse(id: String)
    case cluster(workspaceID: String, clusterID: String)

    static let examples =
        "/sql/1.0/warehouses/<warehouse id> (SQL warehouse → Connection details → HTTP path) or sql/protocolv1/o/<workspace id>/<cluster id>"

    /// Parses an HTTP path; `key` names the config key in messages.
    public static func parse(_ raw: String, key: String = "httpPath") throws(InvalidConfig) -> DatabricksCompute {
        var text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        // A pasted URL: keep its path.
        if let scheme = text.range(of: "://") {
            let rest = text[scheme.upperBound...]
            text = rest.firstIndex(of: "/").map { String(rest[$0...]) } ?? ""
        }
        if let query = text.firstIndex(where: { $0 == "?" || $0 == "#" || $0 == ";" }) { text = String(text[..<query]) }
        let parts = text.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        func valid(_ id: String, allowHyphen: Bool) -> Bool {
            !id.isEmpty && id.count <= 64
                && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || (allowHyphen && $0 == "-")) }
        }
        if parts.count == 4, parts[0] == "sql", parts[1] == "1.0", ["warehouses", "endpoints"].contains(parts[2]) {
            guard valid(parts[3], allowHyphen: false) else {
                throw InvalidConfig(
                    "sharedConfig.\(key) has a warehouse id that is not letters and digits; expected \(examples)")
            }
            return .warehouse(id: parts[3])
        }
        if parts.count == 5, parts[0] == "sql", parts[1] == "protocolv1", parts[2] == "o" {
            guard valid(parts[3], allowHyphen: true), valid(parts[4], allowHyphen: true) else {
                throw InvalidConfig("sharedConfig.\(key) has a malformed workspace or cluster id; expected \(examples)")
            }
            return .cluster(workspaceID: parts[3], clusterID: parts[4])
        }
        throw InvalidConfig("sharedConfig.\(key) is not a Databricks HTTP path; expected \(examples)")
    }

    /// "SQL warehouse abc123" / "cluster 0123-456789-abcdefgh"
    public var description: String {
        switch self {
        case .warehouse(let id): "SQL warehouse \(id)"
        case .cluster(_, let clusterID): "cluster \(clusterID)"
        }
    }
}
