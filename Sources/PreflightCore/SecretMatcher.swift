/// Finds many secrets in a text in one left-to-right pass, taking at each character boundary the
/// longest secret that starts there. Secrets shorter than 6 characters count only where they stand
/// alone as a word.
///
/// The secrets are kept as their bytes, longest first, behind a 256-bit filter of their first bytes:
/// most positions of a text start no secret and cost one bit test; at the others the few secrets that
/// start with that byte are compared. A ping keeps its redactor to its end, so this stays small: a
/// password's forms take a few hundred bytes (a trie with a dictionary per node took about 20 KB, which
/// 10,000 pings in flight at once multiplied).
struct SecretMatcher: Sendable {
    private struct Secret: Sendable {
        let bytes: [UInt8]
        /// Whole words only.
        let short: Bool
    }

    /// Longest first, so the first that matches is the longest.
    private let secrets: [Secret]
    private let firstBytes: ByteSet

    init(_ secrets: some Collection<String>) {
        // By bytes: two canonically equivalent spellings of a secret are different bytes to find. Sorted, then
        // the neighbours that are equal dropped: no hashing of every byte of every form (a dictionary keyed by
        // the bytes was 2% of the service's instructions per request).
        let sorted = secrets.lazy.filter { !$0.isEmpty }
            .map { Secret(bytes: Array($0.utf8), short: Self.isShort($0)) }
            .sorted {
                $0.bytes.count != $1.bytes.count
                    ? $0.bytes.count > $1.bytes.count : $0.bytes.lexicographicallyPrecedes($1.bytes)
            }
        var unique: [Secret] = []
        unique.reserveCapacity(sorted.count)
        for secret in sorted where unique.last?.bytes != secret.bytes { unique.append(secret) }
        self.secrets = unique
        var firstBytes = ByteSet()
        for secret in self.secrets { firstBytes.insert(secret.bytes[0]) }
        self.firstBytes = firstBytes
    }

    var isEmpty: Bool { secrets.isEmpty }

    /// Fewer than 6 characters. Counted in bytes when the text is printable ASCII (one byte, one character);
    /// only other text is broken into Characters.
    static func isShort(_ text: String) -> Bool {
        let utf8 = text.utf8
        if utf8.count < 6 { return true }
        if text.utf8AllSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return false }
        return text.count < 6
    }

    /// `text` with every secret found replaced by `mask`.
    ///
    /// Most texts hold no secret: they are scanned in place (a native string's own bytes), and copied only
    /// from the first match on. Copying every byte of every text of every report was a third of redaction's
    /// cost (callgrind, a MySQL ping).
    func replace(in text: String, with mask: String) -> String {
        if let replaced = text.utf8.withContiguousStorageIfAvailable({ replace(in: $0, with: mask) }) {
            return replaced ?? text
        }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { replace(in: $0, with: mask) } ?? text
    }

    /// The text with its secrets masked, or nil when it holds none.
    private func replace(in bytes: UnsafeBufferPointer<UInt8>, with mask: String) -> String? {
        var position = 0
        while position < bytes.count, longestMatch(in: bytes, at: position) == nil { position += 1 }
        guard position < bytes.count else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[..<position]))
        while position < bytes.count {
            if let length = longestMatch(in: bytes, at: position) {
                output.append(contentsOf: mask.utf8)
                position += length
            } else {
                output.append(bytes[position])
                position += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private func longestMatch(in bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Int? {
        // Only at a character's first byte, never inside a multi-byte character.
        guard bytes[start] & 0xC0 != 0x80, firstBytes.contains(bytes[start]) else { return nil }
        let available = bytes.count - start
        for secret in secrets where secret.bytes.count <= available && secret.bytes[0] == bytes[start] {
            var offset = 1
            while offset < secret.bytes.count, secret.bytes[offset] == bytes[start + offset] { offset += 1 }
            guard offset == secret.bytes.count else { continue }
            if !secret.short || isWholeWord(bytes, start, start + offset) { return offset }
        }
        return nil
    }

    private func isWholeWord(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
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
