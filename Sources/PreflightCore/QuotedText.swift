import Foundation

/// Quote-aware scanning of SQL-like text (`SHOW GRANTS` lines of MySQL and ClickHouse): what lies inside
/// backticks, single or double quotes is never matched or split.
public enum QuotedText {
    /// The first `needle` outside quotes, case-insensitive (`needle` in upper case); with
    /// `outsideParentheses`, also outside parentheses ("SELECT(a, b) ON ...").
    public static func range(of needle: String, in text: Substring, outsideParentheses: Bool = false)
        -> Range<Substring.Index>?
    {
        var quote: Character?
        var depth = 0
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "`" || character == "'" || character == "\"" {
                quote = character
            } else if outsideParentheses, character == "(" {
                depth += 1
            } else if outsideParentheses, character == ")" {
                depth -= 1
            } else if depth == 0, text[index...].uppercased().hasPrefix(needle) {
                return index..<text.index(index, offsetBy: needle.count)
            }
            index = text.index(after: index)
        }
        return nil
    }

    /// `text` split at commas outside quotes and parentheses, each part trimmed, empty tail dropped.
    public static func splitTopLevel(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "`" || character == "'" || character == "\"" {
                quote = character
            } else if character == "(" {
                depth += 1
            } else if character == ")" {
                depth -= 1
            } else if character == ",", depth == 0 {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
                continue
            }
            current.append(character)
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty {
            parts.append(current.trimmingCharacters(in: .whitespaces))
        }
        return parts
    }
}
