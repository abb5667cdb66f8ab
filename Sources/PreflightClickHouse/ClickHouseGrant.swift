import Foundation
import PreflightCore

/// One line of ClickHouse's `SHOW GRANTS` (20.5+), or one row of `system.grants`, parsed. Pure.
public struct ClickHouseGrant: Sendable, Equatable {
    /// Upper-cased access types ("INSERT", "CREATE TABLE", "ALL"); column lists dropped.
    public var privileges: [String]
    /// The database ("*" for all); nil for a role grant.
    public var database: String?
    /// The table ("*" for all).
    public var table: String?
    /// Roles granted ("GRANT writer TO cdc").
    public var roles: [String]
    /// A partial revoke ("REVOKE INSERT ON db.* FROM u").
    public var isRevoke: Bool

    public init(
        privileges: [String], database: String?, table: String?, roles: [String] = [], isRevoke: Bool = false
    ) {
        self.privileges = privileges
        self.database = database
        self.table = table
        self.roles = roles
        self.isRevoke = isRevoke
    }

    /// Parses "GRANT <privileges> ON <db>.<table> TO ...", "REVOKE ... FROM ..." or "GRANT <roles> TO ...".
    public static func parse(_ line: String) -> ClickHouseGrant? {
        var text = line.trimmingCharacters(in: .whitespacesAndNewlines)
        for suffix in [" WITH GRANT OPTION", " WITH ADMIN OPTION"] where text.uppercased().hasSuffix(suffix) {
            text = String(text.dropLast(suffix.count))
        }
        let upper = text.uppercased()
        let isRevoke = upper.hasPrefix("REVOKE ")
        guard upper.hasPrefix("GRANT ") || isRevoke else { return nil }
        let body = Substring(text.dropFirst(isRevoke ? 7 : 6))
        let recipient = isRevoke ? " FROM " : " TO "
        if let on = QuotedText.range(of: " ON ", in: body, outsideParentheses: true),
            let to = QuotedText.range(of: recipient, in: body[on.upperBound...], outsideParentheses: true)
        {
            let privileges = QuotedText.splitTopLevel(String(body[..<on.lowerBound])).map { privilege -> String in
                var name = privilege
                if let paren = name.firstIndex(of: "(") { name = String(name[..<paren]) }
                return name.trimmingCharacters(in: .whitespaces).uppercased()
            }
            let object = body[on.upperBound..<to.lowerBound].trimmingCharacters(in: .whitespaces)
            let (database, table) = split(object)
            return ClickHouseGrant(privileges: privileges, database: database, table: table, isRevoke: isRevoke)
        }
        guard !isRevoke, let to = QuotedText.range(of: " TO ", in: body, outsideParentheses: true) else { return nil }
        let roles = QuotedText.splitTopLevel(String(body[..<to.lowerBound])).map(unquote)
        return ClickHouseGrant(privileges: [], database: nil, table: nil, roles: roles)
    }

    /// "db.table", "`my-db`.*", "*.*", "*" into database and table, unquoted.
    static func split(_ object: String) -> (String, String) {
        var quote: Character?
        for index in object.indices {
            let character = object[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "`" || character == "\"" {
                quote = character
            } else if character == "." {
                return (unquote(String(object[..<index])), unquote(String(object[object.index(after: index)...])))
            }
        }
        return ("*", unquote(object))
    }

    static func unquote(_ text: String) -> String {
        var value = text.trimmingCharacters(in: .whitespaces)
        for quote in ["`", "\""] where value.hasPrefix(quote) && value.hasSuffix(quote) && value.count >= 2 {
            value = String(value.dropFirst().dropLast()).replacingOccurrences(of: "\\" + quote, with: quote)
        }
        return value
    }

    /// The access types that include `privilege` (ClickHouse's hierarchy: ALL > CREATE > CREATE TABLE,
    /// ALL > ALTER > ALTER TABLE > ALTER UPDATE...).
    static func granting(_ privilege: String) -> Set<String> {
        var names: Set<String> = [privilege, "ALL", "ALL PRIVILEGES"]
        switch privilege {
        case "CREATE TABLE": names.insert("CREATE")
        case "ALTER": names.insert("ALTER TABLE")
        case "DROP TABLE": names.insert("DROP")
        default: break
        }
        return names
    }

    /// Whether this grant (or revoke) covers `privilege` on every table of `database`.
    public func covers(_ privilege: String, onDatabase database: String) -> Bool {
        guard let grantDatabase = self.database, table == "*" || table == nil else { return false }
        let matches =
            grantDatabase == "*" || grantDatabase == database
            || (grantDatabase.hasSuffix("*") && database.hasPrefix(String(grantDatabase.dropLast())))
        guard matches else { return false }
        let accepted = Self.granting(privilege)
        return privileges.contains { accepted.contains($0) }
    }

    /// The grant as ClickHouse writes the object: "db.*".
    public var objectText: String { "\(database ?? "*").\(table ?? "*")" }
}
