import Foundation
import PreflightCore
import Testing

/// `trimmed` is Foundation's `trimmingCharacters(in:)` with `.whitespaces` / `.whitespacesAndNewlines`.
struct TrimmedTests {
    static let edges = [
        "", " ", "\t", "\n", "\r\n", "\u{0B}", "\u{0C}", "\u{00A0}", "\u{2003}", "\u{0085}", "\u{2028}", "\u{3000}",
        "  \t", " \u{00A0} ", "é", "x",
    ]
    static let middles = ["", "a", "db.internal", "a b", "pässwörd", " \n ", "🙂", "x\u{00A0}y"]

    @Test("every combination of edges and middles trims as Foundation does")
    func equivalence() {
        for left in Self.edges {
            for middle in Self.middles {
                for right in Self.edges {
                    let text = left + middle + right
                    #expect(
                        text.trimmed() == text.trimmingCharacters(in: .whitespacesAndNewlines),
                        "\(Array(text.unicodeScalars))")
                    #expect(
                        text.trimmed(newlines: false) == text.trimmingCharacters(in: .whitespaces),
                        "\(Array(text.unicodeScalars))")
                }
            }
        }
    }

    @Test("a substring trims too")
    func substring() {
        let text = "key:  value \t"
        let value = text[text.index(after: text.firstIndex(of: ":")!)...]
        #expect(value.trimmed() == "value")
    }
}
