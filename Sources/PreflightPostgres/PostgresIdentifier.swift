/// SQL identifiers for the statements Preflight suggests, quoted so they can be pasted as they are.
public enum PostgresIdentifier {
    /// `name` in double quotes, with embedded double quotes doubled (as `quote_ident` does).
    public static func quote(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `name` bare when PostgreSQL would read it back unchanged (lower-case letters, digits, `_` and `$`,
    /// not starting with a digit or `$`, not a reserved word), else in double quotes, as `quote_ident` does.
    public static func quoteIfNeeded(_ name: String) -> String {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) || first == "_",
            name.unicodeScalars.allSatisfy({
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "$"
            }),
            !reserved.contains(name)
        else { return quote(name) }
        return name
    }

    /// PostgreSQL's reserved key words (and the ones reserved as function or type names), which must
    /// be quoted to be used as a name.
    static let reserved: Set<String> = [
        "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "authorization", "binary",
        "both", "case", "cast", "check", "collate", "collation", "column", "concurrently", "constraint", "create",
        "cross", "current_catalog", "current_date", "current_role", "current_schema", "current_time",
        "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do", "else", "end",
        "except", "false", "fetch", "for", "foreign", "freeze", "from", "full", "grant", "group", "having", "ilike",
        "in", "initially", "inner", "intersect", "into", "is", "isnull", "join", "lateral", "leading", "left", "like",
        "limit", "localtime", "localtimestamp", "natural", "not", "notnull", "null", "offset", "on", "only", "or",
        "order", "outer", "overlaps", "placing", "primary", "references", "returning", "right", "select",
        "session_user", "similar", "some", "symmetric", "system_user", "table", "tablesample", "then", "to",
        "trailing", "true", "union", "unique", "user", "using", "variadic", "verbose", "when", "where", "window",
        "with",
    ]
}
