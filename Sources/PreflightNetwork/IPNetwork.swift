#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IP address as bytes (4 for IPv4, 16 for IPv6), parsed from text.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var isIPv4: Bool { bytes.count == 4 }

    /// The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d), so policies see through it.
    public var unmapped: IPAddress {
        if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xff, bytes[11] == 0xff {
            return IPAddress(bytes: Array(bytes[12...]))
        }
        return self
    }

    /// The IPv4 address another IPv6 form carries and that a network would route to: IPv4-compatible
    /// (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d and the local-use 64:ff9b:1::/48) and 6to4 (2002:AABB:CCDD::).
    /// An egress policy checks it as well, so `64:ff9b::a9fe:a9fe` is the metadata address it reaches.
    public var embeddedIPv4: IPAddress? {
        guard bytes.count == 16 else { return nil }
        // IPv4-compatible; ::1 and :: (whose last bytes are 0.0.0.x) are themselves, not IPv4.
        if bytes[0..<12].allSatisfy({ $0 == 0 }), bytes[12] != 0 {
            return IPAddress(bytes: Array(bytes[12...]))
        }
        if bytes[0] == 0x00, bytes[1] == 0x64, bytes[2] == 0xff, bytes[3] == 0x9b {
            if bytes[4..<12].allSatisfy({ $0 == 0 }) { return IPAddress(bytes: Array(bytes[12...])) }
            if bytes[4] == 0x00, bytes[5] == 0x01 { return IPAddress(bytes: Array(bytes[12...])) }
        }
        if bytes[0] == 0x20, bytes[1] == 0x02 { return IPAddress(bytes: Array(bytes[2..<6])) }
        return nil
    }

    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        var copy = bytes
        let family = isIPv4 ? AF_INET : AF_INET6
        guard inet_ntop(family, &copy, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A CIDR block such as `10.0.0.0/8` or `fe80::/10`.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    /// Parses `a.b.c.d/n`, `x::y/n`, or a bare address (a /32 or /128). An IPv4-mapped block
    /// (`::ffff:127.0.0.0/104`) is the IPv4 block it means (`127.0.0.0/8`), since addresses are compared
    /// unmapped; one that reaches outside the mapped range (a prefix under 96) could never match as
    /// written and is refused.
    public init?(_ text: String) {
        let parts = text.trimmingWhitespace().split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = parts.first, var address = IPAddress(String(first)) else { return nil }
        let maxLength = address.bytes.count * 8
        var length = maxLength
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), (0...maxLength).contains(parsed) else { return nil }
            length = parsed
        }
        if address.bytes.count == 16, address.unmapped.isIPv4 {
            guard length >= 96 else { return nil }
            address = address.unmapped
            length -= 96
        }
        self.address = address
        self.prefixLength = length
    }

    /// Whether `candidate` lies in this block (IPv4-mapped IPv6 addresses count as IPv4).
    public func contains(_ candidate: IPAddress) -> Bool {
        let candidate = candidate.unmapped
        guard candidate.bytes.count == address.bytes.count else { return false }
        var bitsLeft = prefixLength
        for index in 0..<address.bytes.count where bitsLeft > 0 {
            let mask: UInt8 = bitsLeft >= 8 ? 0xff : ~(0xff >> UInt8(bitsLeft))
            if candidate.bytes[index] & mask != address.bytes[index] & mask { return false }
            bitsLeft -= 8
        }
        return true
    }

    public var description: String { "\(address)/\(prefixLength)" }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
