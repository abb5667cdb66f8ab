import Foundation

/// A strict JSON reader (RFC 8259, UTF-8) into ``JSONValue``, one pass over the bytes.
///
/// It replaces `JSONDecoder().decode(JSONValue.self, ...)`, whose `try?` cascade built and threw a
/// decoding error for every value that was not a null (about a tenth of the service's CPU per ping).
/// It reads what Foundation's decoder reads and refuses what it refuses (tests hold the two equal over
/// generated and mutated texts): any value at the top, whitespace around it, one trailing comma in an
/// array or object, the first of duplicate keys, numbers as `Double` (a number too large for one is an error), strings
/// validated as UTF-8 with their escapes, and no control character unescaped. A UTF-8 byte-order mark is
/// skipped. Nesting deeper than `maximumDepth` is an error. Two differences, both on purpose: every value
/// is checked, also under a repeated key (Foundation skips those), and `-0.0e-3` is read (Foundation
/// refuses it; RFC 8259 allows it).
public struct JSONReader {
    /// Why the text is not JSON, and the byte offset where reading stopped.
    public struct Failure: Error, Equatable {
        public var offset: Int
        public var reason: String
        /// Whether reading stopped because arrays and objects nest deeper than the limit.
        public var isTooDeep = false
    }

    /// Reads the whole text as one JSON value.
    public static func read(_ bytes: some ContiguousBytes, maximumDepth: Int = JSONNesting.maximumDepth)
        throws(Failure) -> JSONValue
    {
        let outcome: Result<JSONValue, Failure> = bytes.withUnsafeBytes { buffer in
            var reader = JSONReader(buffer, maximumDepth: maximumDepth)
            do throws(Failure) {
                return .success(try reader.document())
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    private let bytes: UnsafeRawBufferPointer
    private let maximumDepth: Int
    private var index = 0
    private var depth = 0

    private init(_ bytes: UnsafeRawBufferPointer, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    private mutating func document() throws(Failure) -> JSONValue {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
        let value = try self.value()
        skipWhitespace()
        guard index == bytes.count else { throw fail("unexpected text after the JSON value") }
        return value
    }

    private func fail(_ reason: String) -> Failure { Failure(offset: index, reason: reason) }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func value() throws(Failure) -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw fail("unexpected end of the text") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString, _ value: JSONValue) throws(Failure) -> JSONValue {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw fail("unexpected end of the text") }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            throw fail("unexpected character")
        }
        index += count
        return value
    }

    private mutating func enter() throws(Failure) {
        depth += 1
        guard depth <= maximumDepth else {
            throw Failure(offset: index, reason: "nested deeper than \(maximumDepth) levels", isTooDeep: true)
        }
        index += 1
    }

    /// Steps over the closing bracket of an array or object and out of its nesting level.
    private mutating func close(_ value: JSONValue) -> JSONValue {
        index += 1
        depth -= 1
        return value
    }

    private mutating func object() throws(Failure) -> JSONValue {
        try enter()
        var fields: [String: JSONValue] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            return close(.object(fields))
        }
        while true {
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}"), !fields.isEmpty {  // a trailing comma
                return close(.object(fields))
            }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a key") }
            let key = try string()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            let value = try value()
            if fields[key] == nil { fields[key] = value }
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of the text") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): return close(.object(fields))
            default: throw fail("expected ',' or '}'")
            }
        }
    }

    private mutating func array() throws(Failure) -> JSONValue {
        try enter()
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            return close(.array(elements))
        }
        while true {
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]"), !elements.isEmpty {  // a trailing comma
                return close(.array(elements))
            }
            elements.append(try value())
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of the text") }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): return close(.array(elements))
            default: throw fail("expected ',' or ']'")
            }
        }
    }

    private func isDigit(_ at: Int) -> Bool {
        at < bytes.count && bytes[at] >= UInt8(ascii: "0") && bytes[at] <= UInt8(ascii: "9")
    }

    private mutating func number() throws(Failure) -> Double {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard isDigit(index) else { throw fail("a number needs a digit here") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if isDigit(index) { throw fail("a number cannot start with 0") }
        } else {
            while isDigit(index) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard isDigit(index) else { throw fail("a number needs a digit after '.'") }
            while isDigit(index) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard isDigit(index) else { throw fail("a number needs a digit in its exponent") }
            while isDigit(index) { index += 1 }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let number = Double(text), number.isFinite else {
            index = start
            throw fail("a number does not fit a double")  // not quoted: it may be a secret
        }
        return number
    }

    /// A string at `index` (its opening quote), its escapes decoded and its UTF-8 validated.
    private mutating func string() throws(Failure) -> String {
        index += 1
        let start = index
        // The common case: no escape, so the bytes are the string.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                guard let text else { throw Failure(offset: start, reason: "a string is not valid UTF-8") }
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw fail("a control character must be escaped in a string") }
            index += 1
        }
        var decoded = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: decoded, as: UTF8.self) else {
                    throw Failure(offset: start, reason: "a string is not valid UTF-8")
                }
                index += 1
                return text
            case UInt8(ascii: "\\"):
                try escape(into: &decoded)
            case ..<0x20:
                throw fail("a control character must be escaped in a string")
            default:
                decoded.append(byte)
                index += 1
            }
        }
        throw fail("a string is not closed")
    }

    /// The escape at `index` (its backslash), appended as UTF-8.
    private mutating func escape(into decoded: inout [UInt8]) throws(Failure) {
        index += 1
        guard index < bytes.count else { throw fail("a string is not closed") }
        let simple: UInt8? =
            switch bytes[index] {
            case UInt8(ascii: "\""): 0x22
            case UInt8(ascii: "\\"): 0x5C
            case UInt8(ascii: "/"): 0x2F
            case UInt8(ascii: "b"): 0x08
            case UInt8(ascii: "f"): 0x0C
            case UInt8(ascii: "n"): 0x0A
            case UInt8(ascii: "r"): 0x0D
            case UInt8(ascii: "t"): 0x09
            default: nil
            }
        if let simple {
            decoded.append(simple)
            index += 1
            return
        }
        guard bytes[index] == UInt8(ascii: "u") else { throw fail("an unknown escape in a string") }
        index += 1
        var scalar = try hex4()
        if (0xD800...0xDBFF).contains(scalar) {
            guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else { throw fail("a high surrogate escape without its low half") }
            index += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw fail("a high surrogate escape without its low half") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw fail("a low surrogate escape without its high half")
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw fail("an invalid unicode escape") }
        decoded.append(contentsOf: UTF8.encode(unicode)!)
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard bytes.count - index >= 4 else { throw fail("a \\u escape needs four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("a \\u escape needs four hex digits")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}
