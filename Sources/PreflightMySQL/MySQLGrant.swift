import Foundation
import PreflightCore

/// One line of SHOW GRANTS, parsed. Pure.
public struct MySQLGrant: Sendable, Equatable {
    /// Upper-cased privilege names ("SELECT", "REPLICATION SLAVE", "ALL PRIVILEGES"); column lists dropped.
    public var privileges: [String]
    /// The object as written: "*.*", "`appdb`.*", "`appdb`.`items`"; nil for a role grant.
    public var object: String?
    /// Roles granted ("GRANT `r1`, `r2` TO ..."), unquoted.
    public var roles: [String]

    /// Parses "GRANT <privileges> ON <object> TO ..." or "GRANT <roles> TO ..."; nil for anything else (PROXY, ...).
    public static func parse(_ line: String) -> MySQLGrant? {
        let text = line.trimmed(newlines: false)
        guard QuotedText.asciiPrefixEnd(of: "GRANT ", in: Substring(text), at: text.startIndex) != nil else {
            return nil
        }
        let body = text.dropFirst(6)
        if let on = QuotedText.range(of: " ON ", in: body),
            let to = QuotedText.range(of: " TO ", in: body[on.upperBound...])
        {
            let privileges = QuotedText.splitTopLevel(String(body[..<on.lowerBound])).map { privilege -> String in
                var name = privilege
                if let paren = name.firstIndex(of: "(") { name = String(name[..<paren]) }
                return name.trimmed(newlines: false).uppercased()
            }
            guard !privileges.contains("PROXY") else { return nil }
            let object = body[on.upperBound..<to.lowerBound].trimmed(newlines: false)
            let tablePrefix = QuotedText.asciiPrefixEnd(of: "TABLE ", in: Substring(object), at: object.startIndex)
            let cleaned = tablePrefix != nil ? String(object.dropFirst(6)) : object
            return MySQLGrant(privileges: privileges, object: cleaned, roles: [])
        }
        if let to = QuotedText.range(of: " TO ", in: body) {
            let roles = QuotedText.splitTopLevel(String(body[..<to.lowerBound])).map(unquote)
            return MySQLGrant(privileges: [], object: nil, roles: roles)
        }
        return nil
    }

    /// The database part of the object ("appdb" of "`appdb`.*"), unquoted; "*" for *.*.
    public var database: String? {
        guard let object else { return nil }
        guard let dot = Self.firstUnquoted(".", in: object) else { return nil }
        return Self.unquote(String(object[..<dot]))
    }

    /// Whether the object is a whole database (db.* or *.*), not a table.
    public var isDatabaseLevel: Bool { object?.hasSuffix(".*") == true }

    public func has(_ privilege: String) -> Bool {
        privileges.contains(privilege) || privileges.contains("ALL PRIVILEGES") || privileges.contains("ALL")
    }

    /// The first `separator` outside quotes (backticks, single or double), as in "`a.b`.c" or "'u@x'@'h'".
    static func firstUnquoted(_ separator: Character, in text: String) -> String.Index? {
        var quote: Character?
        for index in text.indices {
            let character = text[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "`" || character == "'" || character == "\"" {
                quote = character
            } else if character == separator {
                return index
            }
        }
        return nil
    }

    static func unquote(_ text: String) -> String {
        var value = text.trimmed(newlines: false)
        if let at = firstUnquoted("@", in: value) { value = String(value[..<at]) }
        for quote in ["`", "'", "\""] where value.hasPrefix(quote) && value.hasSuffix(quote) && value.count >= 2 {
            value = String(value.dropFirst().dropLast())
            value = value.replacingOccurrences(of: quote + quote, with: quote)
        }
        return value
    }

    /// A grant line without the password hash MySQL 5.7 and MariaDB append ("IDENTIFIED BY PASSWORD '*...'").
    public static func withoutCredentials(_ line: String) -> String {
        guard let identified = QuotedText.range(of: " IDENTIFIED ", in: Substring(line)) else { return line }
        return String(line[..<identified.lowerBound])
    }

    /// Whether `name` matches a database pattern from a grant (`%` and `_` wildcards, `\_` a literal underscore).
    static func database(_ name: String, matches pattern: String) -> Bool {
        guard pattern.contains("%") || pattern.contains("_") else { return name == pattern }
        var tokens: [(literal: Character?, any: Bool)] = []
        var iterator = Array(pattern)
        var index = 0
        while index < iterator.count {
            let character = iterator[index]
            if character == "\\", index + 1 < iterator.count {
                tokens.append((iterator[index + 1], false))
                index += 2
                continue
            }
            if character == "%" {
                tokens.append((nil, true))
            } else if character == "_" {
                tokens.append((nil, false))
            } else {
                tokens.append((character, false))
            }
            index += 1
        }
        iterator = []
        let text = Array(name)
        func match(_ t: Int, _ s: Int) -> Bool {
            if t == tokens.count { return s == text.count }
            let token = tokens[t]
            if token.any {
                for next in s...text.count where match(t + 1, next) { return true }
                return false
            }
            guard s < text.count else { return false }
            if let literal = token.literal, literal != text[s] { return false }
            return match(t + 1, s + 1)
        }
        return match(0, 0)
    }
}
