import PreflightCore

/// A result set by column name, from either API: the SQL API's `resultSetMetaData.rowType` + `data`, or the
/// session API's `data.rowtype` + `data.rowset`. Cells are text (NULL is nil). Pure.
public struct SnowflakeResultSet: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[String?]]

    public init(columns: [String], rows: [[String?]]) {
        self.columns = columns
        self.rows = rows
    }

    /// The cell of `column` (case-insensitive) in `row`, nil when absent or NULL.
    public func value(_ column: String, in row: [String?]) -> String? {
        guard let index = columns.firstIndex(where: { $0.lowercased() == column.lowercased() }), index < row.count
        else { return nil }
        return row[index]
    }

    /// From a SQL API answer; nil when it has no column metadata or rows array.
    public static func fromSQLAPI(_ json: JSONValue) -> SnowflakeResultSet? {
        make(columns: json["resultSetMetaData"]?["rowType"], rows: json["data"])
    }

    /// From a session API query answer; nil when it has no rowtype or rowset.
    public static func fromQueryResponse(_ json: JSONValue) -> SnowflakeResultSet? {
        make(columns: json["data"]?["rowtype"], rows: json["data"]?["rowset"])
    }

    private static func make(columns: JSONValue?, rows: JSONValue?) -> SnowflakeResultSet? {
        guard let types = columns?.arrayValue, let rowList = rows?.arrayValue else { return nil }
        let names = types.map { $0["name"]?.stringValue ?? "" }
        let cells: [[String?]] = rowList.map { row in
            (row.arrayValue ?? []).map { cell in
                switch cell {
                case .string(let text): text
                case .number: cell.intValue.map { String($0) } ?? "\(cell)"
                case .bool(let flag): flag ? "true" : "false"
                default: nil
                }
            }
        }
        return SnowflakeResultSet(columns: names, rows: cells)
    }
}
