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
    /// The root's children by first byte (-1: none), an array rather than a dictionary: most positions
    /// of a text start no secret, and this answers them without hashing.
    private var root = [Int32](repeating: -1, count: 256)

    init(_ secrets: some Collection<String>) {
        for secret in secrets where !secret.isEmpty {
            var index = 0
            for byte in secret.utf8 {
                if index == 0 {
                    if root[Int(byte)] < 0 {
                        nodes.append(Node())
                        root[Int(byte)] = Int32(nodes.count - 1)
                    }
                    index = Int(root[Int(byte)])
                } else if let next = nodes[index].next[byte] {
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
        let first = root[Int(bytes[start])]
        guard first >= 0 else { return nil }
        var node = Int(first)
        var position = start + 1
        var best: Int?
        while true {
            if let short = nodes[node].end, !short || isWholeWord(bytes, start, position) { best = position - start }
            guard position < bytes.count, let next = nodes[node].next[bytes[position]] else { break }
            node = Int(next)
            position += 1
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
