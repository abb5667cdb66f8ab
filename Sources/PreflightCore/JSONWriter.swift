/// Compact JSON written straight into bytes, the way `JSONEncoder` with `.sortedKeys` and
/// `.withoutEscapingSlashes` writes it (tests hold the two byte-equal): strings with `"`, `\` and
/// control characters escaped (`\b \f \n \r \t`, others as `\u00xx`), everything else as UTF-8;
/// doubles in their shortest form without a trailing `.0`. Callers write the keys of an object in
/// sorted order themselves (``PingReport/jsonBytes()``): encoding a report through `Encodable` was a
/// tenth of the service's CPU per failed ping.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    /// A JSON string. The bytes between two that need escaping are copied as one run: appended a byte at a
    /// time, the strings of a failed ping's report were 4% of the service's instructions per request.
    public mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var run = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if run < index { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<index])) }
                escape(byte)
                run = index + 1
            }
            if run < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The escape of one byte below 0x20, or of `"` or `\`.
    private mutating func escape(_ byte: UInt8) {
        bytes.append(0x5C)
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            let hex: StaticString = "0123456789abcdef"
            hex.withUTF8Buffer { digits in
                bytes.append(contentsOf: [
                    UInt8(ascii: "u"), 0x30, 0x30, digits[Int(byte >> 4)], digits[Int(byte & 0xF)],
                ])
            }
        }
    }

    /// A JSON number from a double (finite; a non-finite one is written as 0, which `JSONEncoder`
    /// would refuse to encode at all).
    public mutating func number(_ value: Double) {
        guard value.isFinite else { return raw("0") }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        raw(text)
    }

    /// A JSON number from an integer.
    public mutating func number(_ value: Int) { raw(String(value)) }

    public mutating func bool(_ value: Bool) { raw(value ? "true" : "false") }

    /// Text copied as it is: punctuation, `null`, or a key already written as JSON.
    public mutating func raw(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// `"key":` after a comma unless `first`.
    public mutating func key(_ name: StaticString, first: inout Bool) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    /// `"key":"value"` when `value` is not nil (a nil field is left out, as `Encodable` leaves it).
    public mutating func field(_ name: StaticString, _ value: String?, first: inout Bool) {
        guard let value else { return }
        key(name, first: &first)
        string(value)
    }

    /// `"key":true|false` when `value` is not nil.
    public mutating func field(_ name: StaticString, _ value: Bool?, first: inout Bool) {
        guard let value else { return }
        key(name, first: &first)
        bool(value)
    }

    /// `[...]`, each element written by `element`.
    public mutating func array<Element>(_ elements: [Element], _ element: (inout JSONWriter, Element) -> Void) {
        raw("[")
        for (index, value) in elements.enumerated() {
            if index > 0 { raw(",") }
            element(&self, value)
        }
        raw("]")
    }
}
