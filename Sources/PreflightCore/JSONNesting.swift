/// How deeply arrays and objects may nest in JSON text the service reads. ``JSONReader`` stops at
/// `maximumDepth` (decoding `JSONValue` through `JSONDecoder`, as the service did before, cost more than
/// quadratic time in the depth: about 7 s for 300 nested arrays in a 600-byte body under the fuzzer).
/// `exceeds` measures the depth without parsing; the tests hold the reader to it.
public enum JSONNesting {
    /// The deepest nesting accepted. Answers and payloads nest a handful of levels.
    public static let maximumDepth = 64

    /// Whether arrays and objects in `bytes` nest deeper than `limit` (brackets inside strings do not
    /// count). One pass, no allocation; says nothing about whether the text is valid JSON.
    public static func exceeds(_ limit: Int = maximumDepth, in bytes: some Sequence<UInt8>) -> Bool {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > limit { return true }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return false
    }
}
