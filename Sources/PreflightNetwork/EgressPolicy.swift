/// Which addresses the service may dial. Checked on the address actually dialled (after DNS), so a
/// name that resolves to a forbidden address is refused too.
public struct EgressPolicy: Sendable, Equatable {
    /// Always refused unless `includeDefaultDenials` is false: link-local (where cloud metadata lives),
    /// the AWS IPv6 metadata address, and unspecified addresses.
    public static let defaultDenied: [IPNetwork] = [
        "169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128", "0.0.0.0/8", "::/128",
    ].compactMap(IPNetwork.init)

    public var allow: [IPNetwork]
    public var deny: [IPNetwork]
    public var includeDefaultDenials: Bool

    public init(allow: [IPNetwork] = [], deny: [IPNetwork] = [], includeDefaultDenials: Bool = true) {
        self.allow = allow
        self.deny = deny
        self.includeDefaultDenials = includeDefaultDenials
    }

    /// Parses comma-separated CIDR lists; throws the first entry that is not a CIDR block.
    public static func parse(allow: String?, deny: String?, includeDefaultDenials: Bool = true) throws -> EgressPolicy {
        func list(_ text: String?) throws -> [IPNetwork] {
            guard let text else { return [] }
            return try text.split(separator: ",").map { entry in
                guard let network = IPNetwork(String(entry)) else { throw EgressPolicyError(entry: String(entry)) }
                return network
            }
        }
        return EgressPolicy(allow: try list(allow), deny: try list(deny), includeDefaultDenials: includeDefaultDenials)
    }

    /// Why `address` may not be dialled, or nil when it may.
    public func denial(for address: IPAddress) -> String? {
        if includeDefaultDenials, let block = Self.defaultDenied.first(where: { $0.contains(address) }) {
            return
                "\(address.unmapped) is in \(block), which is never dialled (link-local, cloud metadata or unspecified)"
        }
        if let block = deny.first(where: { $0.contains(address) }) {
            return "\(address.unmapped) is in \(block), which this service's egress policy denies"
        }
        if !allow.isEmpty, !allow.contains(where: { $0.contains(address) }) {
            return
                "\(address.unmapped) is outside the networks this service may reach (\(allow.map(\.description).joined(separator: ", ")))"
        }
        return nil
    }
}

/// A CIDR list entry that could not be parsed.
public struct EgressPolicyError: Error, CustomStringConvertible {
    public var entry: String
    public var description: String { "\"\(entry)\" is not a CIDR block (e.g. 10.0.0.0/8 or fd00::/8)" }
}
