import PreflightCore

/// CDC streams of a keyspace's tables, read from `system_schema_mcs.tables` (`custom_properties` holds
/// `cdc_specification` with `status`, `view_type` and `latest_stream_arn`), and what that means for a
/// source. Pure.
public enum KeyspacesCDC {
    /// The query: every table of the keyspace with its custom properties.
    public static let tablesQuery =
        "SELECT table_name, custom_properties FROM system_schema_mcs.tables WHERE keyspace_name = ?"

    /// The view type a CDC source reads (each change's old and new row).
    public static let requiredViewType = "NEW_AND_OLD_IMAGES"

    /// One table's stream settings.
    public struct TableStream: Sendable, Equatable {
        public var table: String
        /// `ENABLED`, `ENABLING`, `DISABLED`... upper-cased; nil when the table has no `cdc_specification`.
        public var status: String?
        public var viewType: String?

        public init(table: String, status: String?, viewType: String?) {
            self.table = table
            self.status = status
            self.viewType = viewType
        }

        var enabled: Bool { status == "ENABLED" }
    }

    /// The tables' stream settings in a ROWS answer to `tablesQuery`, sorted by table.
    public static func streams(in rows: CQLRows) -> [TableStream] {
        var out: [TableStream] = []
        for index in rows.rows.indices {
            guard let table = rows.value("table_name", row: index)?.text else { continue }
            let spec = rows.value("custom_properties", row: index)?.textMap?["cdc_specification"]?.textMap
            out.append(
                TableStream(
                    table: table, status: spec?["status"]?.text?.uppercased(),
                    viewType: spec?["view_type"]?.text?.uppercased()))
        }
        return out.sorted { $0.table < $1.table }
    }

    /// The CQL that turns a table's stream on with the required view type.
    public static func enableStatement(keyspace: String, table: String) -> String {
        "ALTER TABLE \(keyspace).\(table) WITH cdc = true AND CUSTOM_PROPERTIES = {'cdc_specification': {'view_type': '\(requiredViewType)'}};"
    }

    /// One check, `cdc_streams`: every table of `keyspace` has an ENABLED stream of NEW_AND_OLD_IMAGES.
    public static func check(_ streams: [TableStream], keyspace: String, region: String?) -> ReadinessCheck {
        let required = "a CDC stream (ENABLED, view_type \(requiredViewType)) on every table of \(keyspace)"
        guard !streams.isEmpty else {
            return ReadinessCheck(
                name: "cdc_streams", status: .warning, observed: "no tables in \(keyspace)", required: required,
                detail: "the keyspace has no tables yet: nothing to replicate")
        }
        let ready = streams.filter { $0.enabled && $0.viewType == requiredViewType }
        let enabling = streams.filter { $0.status == "ENABLING" }
        let wrongView = streams.filter { $0.enabled && $0.viewType != requiredViewType }
        let missing = streams.filter { !$0.enabled && $0.status != "ENABLING" }
        var observed = "\(ready.count) of \(streams.count) tables ready"
        if !missing.isEmpty {
            observed +=
                "; no stream on "
                + missing.map { "\($0.table) (\($0.status ?? "no cdc_specification"))" }
                .joined(separator: ", ")
        }
        if !wrongView.isEmpty {
            observed +=
                "; view_type "
                + wrongView.map { "\($0.viewType ?? "unknown") on \($0.table)" }
                .joined(separator: ", ")
        }
        if !enabling.isEmpty { observed += "; ENABLING: " + enabling.map(\.table).joined(separator: ", ") }
        if missing.isEmpty && wrongView.isEmpty {
            guard enabling.isEmpty else {
                return ReadinessCheck(
                    name: "cdc_streams", status: .warning, observed: observed, required: required,
                    detail: "streams are being turned on; they are ready within minutes")
            }
            return ReadinessCheck(name: "cdc_streams", status: .passed, observed: observed, required: required)
        }
        var fixes = missing.map { enableStatement(keyspace: keyspace, table: $0.table) }
        fixes += wrongView.map {
            "ALTER TABLE \(keyspace).\($0.table) WITH cdc = false; then "
                + enableStatement(keyspace: keyspace, table: $0.table)
        }
        let cli =
            (missing + wrongView).first.map {
                " (or: aws keyspaces update-table\(region.map { " --region \($0)" } ?? "") --keyspace-name \(keyspace) --table-name \($0.table) --cdc-specification status=ENABLED,viewType=\(requiredViewType))"
            } ?? ""
        return ReadinessCheck(
            name: "cdc_streams", status: .failed, observed: observed, required: required,
            detail:
                "Artie reads each table's changes from its Amazon Keyspaces CDC stream; a view type cannot be changed in place",
            fix: fixes.joined(separator: " ") + cli, restartRequired: false)
    }
}
