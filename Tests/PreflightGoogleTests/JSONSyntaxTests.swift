import Testing

@testable import PreflightGoogle

@Suite struct JSONSyntaxTests {
    private func problem(_ text: String) -> JSONSyntax.Problem? { JSONSyntax.firstProblem(in: Array(text.utf8)) }

    @Test func acceptsValidJSON() {
        for text in [
            #"{}"#, #"[]"#, #"{"a": [1, -2.5e3, true, false, null, "x\"\\\/\b\f\n\r\t\u00e9"]}"#,
            "  {\"a\":{\"b\":{}}}\n", "0", #""é""#, "[1E+2, 0.5, -0]",
        ] {
            #expect(problem(text) == nil, "\(text)")
        }
    }

    @Test func pointsAtTheDoubleComma() {
        let found = problem(#"{"a": 1,, }"#)
        #expect(found?.character == 9)
        #expect(found?.expected == "a member name in double quotes")
        #expect(found?.description == "error at character 9: expected a member name in double quotes")
    }

    @Test func namesATrailingComma() {
        #expect(problem(#"{"a": 1,}"#)?.expected.contains("no trailing comma") == true)
        #expect(problem(#"[1, 2,]"#)?.expected.contains("no trailing comma") == true)
    }

    @Test func reportsTheEndOfTheText() {
        #expect(problem(#"{"a": 1"#)?.expected == "',' or '}', but the text ended")
        #expect(problem(#"{"a": "unterminated"#)?.expected == "a closing '\"', but the text ended")
        #expect(problem("")?.expected == "a value, but the text ended")
        #expect(problem("{\"a\": 1} x")?.expected == "the end of the text after the JSON value")
    }

    @Test func countsCharactersLinesAndColumns() throws {
        let found = try #require(problem("{\n  \"é\": 1\n  \"b\": 2\n}"))
        #expect(found.line == 3)
        #expect(found.column == 3)
        #expect(found.character == 14)
        #expect(found.description.contains("line 3 column 3"))
    }

    @Test func explainsCommonMistakes() {
        #expect(problem("{'a': 1}")?.expected.contains("member name in double quotes") == true)
        #expect(problem("['a']")?.expected.contains("double quotes") == true)
        #expect(problem("{\"k\": \"line\nbreak\"}")?.expected.contains("\\n") == true)
        #expect(problem(#"{"a": "\x"}"#)?.expected.contains("valid escape") == true)
        #expect(problem(#"{"a": 01}"#) != nil)
        #expect(problem(#"{"a": tru}"#) != nil)
        #expect(problem("not json")?.character == 1)
    }

    @Test func refusesDeepNestingWithoutCrashing() {
        let text = String(repeating: "[", count: 100_000)
        #expect(problem(text)?.expected.contains("levels of nesting") == true)
    }
}
