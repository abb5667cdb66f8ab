/// Finds many secrets in a text in one left-to-right pass: a trie of their UTF-8 bytes, walked from
/// each character boundary, taking the longest secret that starts there. Secrets shorter than 6
/// characters count only where they stand alone as a word.
struct SecretMatcher: Sendable {
    private struct Node: Sendable {
        var next: [UInt8: Int32] = [:]
        /// Set where a secret ends: whether it is short (whole words only).
        var end: Bool?
    }

    private var nodes: [Node] = [Node()]
    /// The bytes a secret starts with, as 256 bits: most positions of a text start no secret, and this
    /// answers them without hashing (32 bytes, not a table: a redactor lives as long as its ping).
    private var firstBytes = ByteSet()

    init(_ secrets: some Collection<String>) {
        for secret in secrets where !secret.isEmpty {
            var index = 0
            for byte in secret.utf8 {
                if index == 0 { firstBytes.insert(byte) }
                if let next = nodes[index].next[byte] {
                    index = Int(next)
                } else {
                    nodes.append(Node())
                    nodes[index].next[byte] = Int32(nodes.count - 1)
                    index = nodes.count - 1
                }
            }
            let short = secret.count < 6
            nodes[index].end = (nodes[index].end ?? true) && short
        }
    }

    var isEmpty: Bool { nodes.count == 1 }

    /// `text` with every secret found replaced by `mask`.
    func replace(in text: String, with mask: String) -> String {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var position = 0
        var changed = false
        while position < bytes.count {
            if let length = longestMatch(in: bytes, at: position) {
                output.append(contentsOf: mask.utf8)
                position += length
                changed = true
            } else {
                output.append(bytes[position])
                position += 1
            }
        }
        return changed ? String(decoding: output, as: UTF8.self) : text
    }

    private func longestMatch(in bytes: [UInt8], at start: Int) -> Int? {
        // Only at a character's first byte, never inside a multi-byte character.
        guard bytes[start] & 0xC0 != 0x80 else { return nil }
        guard firstBytes.contains(bytes[start]) else { return nil }
        var node = 0
        var position = start
        var best: Int?
        while position < bytes.count, let next = nodes[node].next[bytes[position]] {
            node = Int(next)
            position += 1
            guard let short = nodes[node].end else { continue }
            if !short || isWholeWord(bytes, start, position) { best = position - start }
        }
        return best
    }

    private func isWholeWord(_ bytes: [UInt8], _ start: Int, _ end: Int) -> Bool {
        (start == 0 || !Self.isWordByte(bytes[start - 1])) && (end == bytes.count || !Self.isWordByte(bytes[end]))
    }

    /// Letters, digits and `_`; any byte of a non-ASCII character counts as a letter.
    private static func isWordByte(_ byte: UInt8) -> Bool {
        byte >= 0x80 || (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
            || (byte >= 0x61 && byte <= 0x7A)
            || byte == 0x5F
    }
}

/// A set of bytes as 256 bits.
struct ByteSet: Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    mutating func insert(_ byte: UInt8) {
        let bit = UInt64(1) << (byte & 63)
        switch byte >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    func contains(_ byte: UInt8) -> Bool {
        let bit = UInt64(1) << (byte & 63)
        switch byte >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }
}
