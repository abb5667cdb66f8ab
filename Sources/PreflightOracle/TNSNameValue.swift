/// An Oracle Net name-value list, as in connect descriptors and listener answers:
/// `(DESCRIPTION=(ERR=12514)(ERROR_STACK=(ERROR=(CODE=12514))))`. Names compare without case.
public struct TNSNameValue: Sendable, Equatable {
    public var name: String
    /// The text after `=` when the value is not a list.
    public var value: String?
    public var children: [TNSNameValue]

    public init(name: String, value: String? = nil, children: [TNSNameValue] = []) {
        self.name = name
        self.value = value
        self.children = children
    }

    /// The first descendant (depth first, this node included) named `name`.
    public func first(_ name: String) -> TNSNameValue? {
        if self.name.caseInsensitiveCompare(name) == .orderedSame { return self }
        for child in children {
            if let found = child.first(name) { return found }
        }
        return nil
    }

    /// The value of the first descendant named `name`.
    public func value(of name: String) -> String? { first(name)?.value }

    /// The text form: `(NAME=value)` or `(NAME=(...)(...))`.
    public var text: String {
        "(\(name)=" + (value ?? children.map(\.text).joined()) + ")"
    }

    /// Parses every top-level list in `text`; nil when it is not name-value syntax (or nests deeper than
    /// `maxDepth`, or is longer than 8 KiB).
    public static func parse(_ text: String, maxDepth: Int = 16) -> [TNSNameValue]? {
        let bytes = Array(text.utf8)
        guard bytes.count <= 8192 else { return nil }
        var index = 0
        var lists: [TNSNameValue] = []
        skipSpace(bytes, &index)
        while index < bytes.count {
            guard let list = parseList(bytes, &index, depth: 0, maxDepth: maxDepth) else { return nil }
            lists.append(list)
            skipSpace(bytes, &index)
        }
        return lists
    }

    private static func skipSpace(_ bytes: [UInt8], _ index: inout Int) {
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D
                || bytes[index] == 0x09
        {
            index += 1
        }
    }

    private static func parseList(_ bytes: [UInt8], _ index: inout Int, depth: Int, maxDepth: Int) -> TNSNameValue? {
        guard depth < maxDepth, index < bytes.count, bytes[index] == UInt8(ascii: "(") else { return nil }
        index += 1
        let nameStart = index
        while index < bytes.count, bytes[index] != UInt8(ascii: "=") {
            guard bytes[index] != UInt8(ascii: "("), bytes[index] != UInt8(ascii: ")") else { return nil }
            index += 1
        }
        guard index < bytes.count else { return nil }
        let name = String(decoding: bytes[nameStart..<index], as: UTF8.self).trimmingSpaces
        guard !name.isEmpty else { return nil }
        index += 1
        skipSpace(bytes, &index)
        if index < bytes.count, bytes[index] == UInt8(ascii: "(") {
            var children: [TNSNameValue] = []
            while index < bytes.count, bytes[index] == UInt8(ascii: "(") {
                guard let child = parseList(bytes, &index, depth: depth + 1, maxDepth: maxDepth) else { return nil }
                children.append(child)
                skipSpace(bytes, &index)
            }
            guard index < bytes.count, bytes[index] == UInt8(ascii: ")") else { return nil }
            index += 1
            return TNSNameValue(name: name, children: children)
        }
        let valueStart = index
        var quoted = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { quoted.toggle() }
            if !quoted, byte == UInt8(ascii: ")") { break }
            if !quoted, byte == UInt8(ascii: "(") { return nil }
            index += 1
        }
        guard index < bytes.count else { return nil }
        let value = String(decoding: bytes[valueStart..<index], as: UTF8.self).trimmingSpaces
        index += 1
        return TNSNameValue(name: name, value: value)
    }
}

extension String {
    var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
