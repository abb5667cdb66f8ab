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
            } else if depth == 0, let end = asciiPrefixEnd(of: needle, in: text, at: index) {
                return index..<end
            }
            index = text.index(after: index)
        }
        return nil
    }

    /// Where `needle` (ASCII, upper case) ends when `text` at `index` starts with it, ASCII letters
    /// compared without case; nil otherwise. Byte by byte, nothing copied (it runs at every position).
    public static func asciiPrefixEnd(of needle: String, in text: Substring, at index: Substring.Index)
        -> Substring.Index?
    {
        let bytes = text.utf8
        var position = index
        for expected in needle.utf8 {
            guard position < bytes.endIndex else { return nil }
            var byte = bytes[position]
            if byte >= UInt8(ascii: "a"), byte <= UInt8(ascii: "z") { byte -= 32 }
            guard byte == expected else { return nil }
            position = bytes.index(after: position)
        }
        return position
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
                parts.append(current.trimmed(newlines: false))
                current = ""
                continue
            }
            current.append(character)
        }
        let last = current.trimmed(newlines: false)
        if !last.isEmpty { parts.append(last) }
        return parts
    }
}
