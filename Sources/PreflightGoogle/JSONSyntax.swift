/// Finds where a text stops being JSON, so that a message can point at the spot without quoting the
/// text (a service-account key file holds a private key). Pure; a strict RFC 8259 reading.
enum JSONSyntax {
    /// The first place the text is not JSON, and what was expected there.
    struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// 1-based position in characters (Unicode scalars), as JSON tools count.
        var character: Int
        /// 1-based line and column (in characters) of the same spot.
        var line: Int
        var column: Int
        /// What the text should have had there ("',' or '}'", "a value", ...).
        var expected: String

        /// "error at character 17: expected ',' or '}'", plus the line and column when the text has several lines.
        var description: String {
            let place = line > 1 ? "character \(character), line \(line) column \(column)" : "character \(character)"
            return "error at \(place): expected \(expected)"
        }
    }

    /// Nesting deeper than this is reported rather than followed (a key file nests two levels).
    static let maximumDepth = 256

    /// Nil when `bytes` is exactly one JSON value (with optional white space around it).
    static func firstProblem(in bytes: [UInt8]) -> Problem? {
        var scanner = Scanner(bytes: bytes)
        do throws(Stop) {
            try scanner.value(depth: 0)
            scanner.skipWhitespace()
            if scanner.index < bytes.count {
                throw Stop(offset: scanner.index, expected: "the end of the text after the JSON value")
            }
            return nil
        } catch {
            return problem(at: error.offset, expected: error.expected, in: bytes)
        }
    }

    private static func problem(at offset: Int, expected: String, in bytes: [UInt8]) -> Problem {
        var character = 1
        var line = 1
        var column = 1
        var index = 0
        while index < min(offset, bytes.count) {
            let byte = bytes[index]
            index += 1
            if byte & 0xC0 == 0x80 { continue }  // UTF-8 continuation byte: same character
            character += 1
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return Problem(character: character, line: line, column: column, expected: expected)
    }

    private struct Stop: Error {
        var offset: Int
        var expected: String
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        private func stop(_ expected: String) -> Stop { Stop(offset: index, expected: expected) }

        private mutating func expect(_ byte: UInt8, _ expected: String) throws(Stop) {
            guard index < bytes.count, bytes[index] == byte else { throw stop(expected) }
            index += 1
        }

        mutating func value(depth: Int) throws(Stop) {
            skipWhitespace()
            guard index < bytes.count else { throw stop("a value, but the text ended") }
            switch bytes[index] {
            case UInt8(ascii: "{"): try object(depth: depth + 1)
            case UInt8(ascii: "["): try array(depth: depth + 1)
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "'"): throw stop("a value (JSON strings use double quotes, not single quotes)")
            default: throw stop("a value")
            }
        }

        private mutating func object(depth: Int) throws(Stop) {
            guard depth <= JSONSyntax.maximumDepth else {
                throw stop("at most \(JSONSyntax.maximumDepth) levels of nesting")
            }
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                    throw stop(
                        index < bytes.count && bytes[index] == UInt8(ascii: "}")
                            ? "a member name after ',' (JSON allows no trailing comma)"
                            : "a member name in double quotes")
                }
                try string()
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "':' after the member name")
                try value(depth: depth)
                skipWhitespace()
                guard index < bytes.count else { throw stop("',' or '}', but the text ended") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                try expect(UInt8(ascii: "}"), "',' or '}'")
                return
            }
        }

        private mutating func array(depth: Int) throws(Stop) {
            guard depth <= JSONSyntax.maximumDepth else {
                throw stop("at most \(JSONSyntax.maximumDepth) levels of nesting")
            }
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return
            }
            while true {
                skipWhitespace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                    throw stop("a value after ',' (JSON allows no trailing comma)")
                }
                try value(depth: depth)
                skipWhitespace()
                guard index < bytes.count else { throw stop("',' or ']', but the text ended") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                try expect(UInt8(ascii: "]"), "',' or ']'")
                return
            }
        }

        private mutating func string() throws(Stop) {
            index += 1  // the opening quote
            while true {
                guard index < bytes.count else { throw stop("a closing '\"', but the text ended") }
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return
                case UInt8(ascii: "\\"):
                    index += 1
                    guard index < bytes.count else { throw stop("an escape after '\\', but the text ended") }
                    switch bytes[index] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                        UInt8(ascii: "f"),
                        UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        index += 1
                    case UInt8(ascii: "u"):
                        index += 1
                        for _ in 0..<4 {
                            guard index < bytes.count, Self.isHexDigit(bytes[index]) else {
                                throw stop("four hex digits after '\\u'")
                            }
                            index += 1
                        }
                    default:
                        throw stop("a valid escape after '\\' (one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
                    }
                case 0x00..<0x20:
                    throw stop(
                        "no raw control character inside a string (a line break in a string must be written \\n)")
                default:
                    index += 1
                }
            }
        }

        private mutating func number() throws(Stop) {
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, Self.isDigit(bytes[index]) else { throw stop("a digit") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard index < bytes.count, Self.isDigit(bytes[index]) else { throw stop("a digit after '.'") }
                while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                guard index < bytes.count, Self.isDigit(bytes[index]) else { throw stop("a digit in the exponent") }
                while index < bytes.count, Self.isDigit(bytes[index]) { index += 1 }
            }
        }

        /// `true`, `false` or `null`; a misspelling is reported where the word starts.
        private mutating func literal(_ word: String) throws(Stop) {
            let start = index
            for byte in word.utf8 {
                guard index < bytes.count, bytes[index] == byte else {
                    index = start
                    throw stop("a value (true, false, null, a number, a string, an object or an array)")
                }
                index += 1
            }
        }

        private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

        private static func isHexDigit(_ byte: UInt8) -> Bool {
            isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
        }
    }
}
