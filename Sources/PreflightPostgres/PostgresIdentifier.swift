/// SQL identifiers for the statements Preflight suggests, quoted so they can be pasted as they are.
public enum PostgresIdentifier {
    /// `name` in double quotes, with embedded double quotes doubled (as `quote_ident` does).
    public static func quote(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
