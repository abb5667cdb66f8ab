import Foundation
import PreflightCore
import Testing

/// ``JSONReader`` reads what Foundation's `JSONDecoder` reads into a ``JSONValue`` and refuses what it
/// refuses (but for the two differences named below): written cases, generated documents, and one-byte
/// mutations of them.
struct JSONReaderTests {
    /// Foundation's answer, as the service had it before the reader.
    static func foundation(_ bytes: [UInt8]) -> JSONValue? {
        guard !JSONNesting.exceeds(in: bytes) else { return nil }
        return try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    static func ours(_ bytes: [UInt8]) -> JSONValue? { try? JSONReader.read(bytes) }

    static let valid: [String] = [
        #"{"type": "postgresql", "sharedConfig": {"host": "db", "port": 5432, "ssl": true, "x": null}}"#,
        #"[1, -0, 0.5, -12.25e3, 1E-2, 1e+2, 123456789012345678901234567890]"#,
        #""plain""#, "true", "false", "null", "0", "-1.5", " \t\r\n{} \n", "[]", "[[],[{}]]",
        #""\"\\\/\b\f\n\r\t \u0041\u00e9\u20ac\ud83d\ude00 \u0000""#,
        #"{"a": 1, "a": 2}"#, #"{"é": "ünï", "🙂": "😀"}"#, "\u{FEFF}{\"bom\": 1}",
        #"{"k":"v","n":[true,false,null,{"deep":{"er":[1,2,3]}}]}"#, "1.7976931348623157e308", "5e-324", "[1,]",
        "{\"a\":1,}",
    ]

    static let invalid: [String] = [
        "", " ", "{", "}", "[,]", "{,}", "[1,,]", "[01]", "[1.]", "[.5]", "[+1]", "[-]", "[1e]", "[1e+]", "tru",
        "nul", "True", "NaN", "Infinity", "[1e400]", "'x'", "{a: 1}", "{\"a\" 1}", "[1 2]", "\"unclosed",
        "\"bad \\x escape\"", "\"\\u12\"", "\"\\ud83d alone\"", "\"\\ude00 alone\"", "\"tab\there\"",
        "\"nl\nhere\"", "{} x", "[1] [2]", "\"\\u00zz\"", "/* c */ 1", "[1,,2]", "{\"a\":}",
    ]

    @Test("written valid texts read as Foundation reads them")
    func validCases() throws {
        for text in Self.valid {
            let bytes = Array(text.utf8)
            let expected = try #require(Self.foundation(bytes), "Foundation refused \(text)")
            #expect(Self.ours(bytes) == expected, "\(text)")
        }
        #expect(Self.ours(Array(#"{"a": 1, "a": 2}"#.utf8)) == .object(["a": .number(1)]))
        #expect(Self.ours(Array("[1,]".utf8)) == .array([.number(1)]))
        // RFC 8259 allows a zero with a fraction and an exponent; Foundation refuses this one.
        #expect(Self.ours(Array("-0.0e-3".utf8)) == .number(-0.0))
        #expect(Self.ours(Array(#""\ud83d\ude00""#.utf8)) == .string("😀"))
    }

    @Test("written invalid texts are refused, as Foundation refuses them")
    func invalidCases() {
        for text in Self.invalid {
            let bytes = Array(text.utf8)
            #expect(Self.foundation(bytes) == nil, "Foundation read \(text)")
            #expect(Self.ours(bytes) == nil, "\(text)")
        }
        for bytes: [UInt8] in [[0x22, 0xC3, 0x28, 0x22], [0x22, 0xFF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22]] {
            #expect(Self.foundation(bytes) == nil)
            #expect(Self.ours(bytes) == nil, "invalid UTF-8 \(bytes)")
        }
    }

    @Test("the failure says where reading stopped")
    func failureOffset() {
        do {
            _ = try JSONReader.read(Array(#"{"a": 1 "b": 2}"#.utf8))
            Issue.record("read a text with a missing comma")
        } catch {
            #expect(error.offset == 8)
            #expect(error.reason == "expected ',' or '}'")
        }
        #expect(throws: JSONReader.Failure.self) { try JSONReader.read(Array(repeating: UInt8(ascii: "["), count: 65)) }
        #expect(
            (try? JSONReader.read(Array(repeating: UInt8(ascii: "["), count: 64) + Array(repeating: 0x5D, count: 64)))
                != nil)
    }

    @Test("generated documents and one-byte mutations of them read as Foundation reads them")
    func generatedAndMutated() {
        var random = SplitMix(seed: 0x5EED_1234)
        var compared = 0
        for _ in 0..<300 {
            var text = ""
            Self.document(depth: 0, into: &text, random: &random)
            let bytes = Array(text.utf8)
            #expect(Self.ours(bytes) == Self.foundation(bytes), "\(text)")
            #expect(Self.ours(bytes) != nil, "\(text)")
            for position in 0..<bytes.count {
                for replacement in Self.mutationBytes.shuffled(using: &random).prefix(2) {
                    var mutated = bytes
                    mutated[position] = replacement
                    var cut = bytes
                    cut.remove(at: position)
                    for variant in [mutated, cut] {
                        let ours = Self.ours(variant)
                        let theirs = Self.foundation(variant)
                        compared += 1
                        if ours == theirs { continue }
                        // Foundation never reads the value of a repeated key (it keeps the first), so it
                        // accepts anything there; the reader checks every value. Foundation also refuses
                        // a zero with a fraction and an exponent (-0.0e-3), which RFC 8259 allows.
                        // Nothing else may differ.
                        let text = String(decoding: variant, as: UTF8.self)
                        let repeatedKey = ours == nil && theirs != nil && Self.hasRepeatedKey(variant)
                        let zeroExponent = ours != nil && theirs == nil && text.contains(/0\.0+[eE]/)
                        #expect(repeatedKey || zeroExponent, "\(text)")
                    }
                }
            }
        }
        #expect(compared > 10_000)
    }

    /// Whether some object of this (possibly broken) text has the same key twice, found by a loose scan.
    static func hasRepeatedKey(_ bytes: [UInt8]) -> Bool {
        var stack: [Set<[UInt8]>?] = []  // nil: an array
        var index = 0
        var expectingKey = false
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "{"):
                stack.append([])
                expectingKey = true
            case UInt8(ascii: "["):
                stack.append(nil)
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                _ = stack.popLast()
            case UInt8(ascii: ","):
                expectingKey = stack.last.map { $0 != nil } ?? false
            case UInt8(ascii: "\""):
                var end = index + 1
                while end < bytes.count, bytes[end] != UInt8(ascii: "\"") {
                    end += bytes[end] == UInt8(ascii: "\\") ? 2 : 1
                }
                if expectingKey, let keys = stack.last, var set = keys {
                    let raw = Array(bytes[index...min(end, bytes.count - 1)])
                    let key = (try? JSONReader.read(raw)).flatMap(\.stringValue).map { Array($0.utf8) } ?? raw
                    if set.contains(key) { return true }
                    set.insert(key)
                    stack[stack.count - 1] = set
                    expectingKey = false
                }
                index = end
            default: break
            }
            index += 1
        }
        return false
    }

    static let mutationBytes: [UInt8] =
        Array(#"{}[],:"\/ 0-1.eE+aunlt"#.utf8) + [0x00, 0x09, 0x0A, 0x7F, 0xC3, 0xFF, 0xA9]

    static let strings = [
        "", "a", "host.internal", "p@ss:w/rd", "é", "日本", "🙂", "\u{0001}", "quote\"back\\slash", "line\nbreak",
    ]

    /// A random JSON document with random whitespace and escapes.
    static func document(depth: Int, into text: inout String, random: inout SplitMix) {
        func space() { text += ["", " ", "\n", "\t ", "\r\n"].randomElement(using: &random)! }
        space()
        switch depth > 3 ? Int.random(in: 0..<4, using: &random) : Int.random(in: 0..<6, using: &random) {
        case 0: text += ["true", "false", "null"].randomElement(using: &random)!
        case 1:
            text += ["0", "-1", "42", "3.25", "-0.5e-3", "1E10", "98765432109876543210"].randomElement(using: &random)!
        case 2, 3: string(strings.randomElement(using: &random)!, into: &text, random: &random)
        case 4:
            text += "["
            for index in 0..<Int.random(in: 0..<4, using: &random) {
                if index > 0 { text += "," }
                document(depth: depth + 1, into: &text, random: &random)
            }
            text += "]"
        default:
            text += "{"
            for index in 0..<Int.random(in: 0..<4, using: &random) {
                if index > 0 { text += "," }
                space()
                string(
                    ["type", "host", "k\(index)", "sharedConfig", "é"].randomElement(using: &random)!, into: &text,
                    random: &random)
                space()
                text += ":"
                document(depth: depth + 1, into: &text, random: &random)
            }
            text += "}"
        }
        space()
    }

    /// `value` as a JSON string, each character escaped one of the ways JSON allows, at random.
    static func string(_ value: String, into text: inout String, random: inout SplitMix) {
        text += "\""
        for scalar in value.unicodeScalars {
            let mustEscape = scalar == "\"" || scalar == "\\" || scalar.value < 0x20
            if mustEscape || Int.random(in: 0..<5, using: &random) == 0 {
                for unit in String(scalar).utf16 { text += "\\u" + String(format: "%04x", unit) }
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}

/// A seeded generator, so a failure repeats.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
