extension StringProtocol {
    /// Whether `other`'s UTF-8 bytes occur in this text's: a literal match, without the NSString bridging
    /// of Foundation's `contains(_:)` (which, with Foundation imported, every `String.contains(String)`
    /// resolves to: it was a twentieth of the service's CPU per ping, in `isSecretKey` and `errorText`).
    /// An empty `other` is included in every text, as in Foundation.
    public func includes(_ other: some StringProtocol) -> Bool {
        let haystack = utf8
        let needle = other.utf8
        let direct = haystack.withContiguousStorageIfAvailable { hay in
            needle.withContiguousStorageIfAvailable { UTF8Search.contains(hay, needle: $0) }
        }
        if let direct, let found = direct { return found }
        return Array(haystack).withUnsafeBufferPointer { hay in
            Array(needle).withUnsafeBufferPointer { UTF8Search.contains(hay, needle: $0) }
        }
    }
}

extension StringProtocol {
    /// Whether every UTF-8 byte of the text satisfies `predicate`: over the contiguous bytes where the text has
    /// them (a native string does), without `UTF8View`'s per-byte indexing.
    public func utf8AllSatisfy(_ predicate: (UInt8) -> Bool) -> Bool {
        utf8.withContiguousStorageIfAvailable { $0.allSatisfy(predicate) } ?? utf8.allSatisfy(predicate)
    }
}

/// Byte-level substring search.
enum UTF8Search {
    static func contains(_ haystack: UnsafeBufferPointer<UInt8>, needle: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = needle.first else { return true }
        guard needle.count <= haystack.count else { return false }
        var start = 0
        let last = haystack.count - needle.count
        while start <= last {
            if haystack[start] == first {
                var matched = 1
                while matched < needle.count, haystack[start + matched] == needle[matched] { matched += 1 }
                if matched == needle.count { return true }
            }
            start += 1
        }
        return false
    }
}
