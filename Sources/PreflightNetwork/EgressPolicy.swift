import NIOCore

/// Which addresses the service may dial. Checked on the address actually dialled (after DNS), so a
/// name that resolves to a forbidden address is refused too.
public struct EgressPolicy: Sendable, Equatable {
    /// Always refused unless `includeDefaultDenials` is false: link-local (where most cloud metadata
    /// lives), the metadata and platform addresses outside it (AWS IPv6 metadata and DNS, Alibaba Cloud,
    /// Azure's WireServer), and unspecified addresses. IPv4 inside IPv6 (mapped, NAT64, 6to4) is checked
    /// as the IPv4 address it reaches.
    public static let defaultDenied: [IPNetwork] = [
        "169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128", "fd00:ec2::23/128", "100.100.100.200/32",
        "168.63.129.16/32", "0.0.0.0/8", "::/128",
    ].compactMap(IPNetwork.init)

    /// Refused unless `allowLoopback`: this host itself.
    public static let loopback: [IPNetwork] = ["127.0.0.0/8", "::1/128"].compactMap(IPNetwork.init)

    public var allow: [IPNetwork]
    public var deny: [IPNetwork]
    public var includeDefaultDenials: Bool
    /// Whether this host's own addresses (loopback, and `localAddresses`) may be dialled. The service
    /// refuses them unless its operator opens them (`serve --allow-loopback`): a tenant must not reach
    /// what listens only for the service's own host. The CLI, run by that host's user, allows them.
    public var allowLoopback: Bool
    /// This host's own interface addresses, refused with loopback.
    public var localAddresses: [IPAddress]

    public init(
        allow: [IPNetwork] = [], deny: [IPNetwork] = [], includeDefaultDenials: Bool = true, allowLoopback: Bool = true,
        localAddresses: [IPAddress] = []
    ) {
        self.allow = allow
        self.deny = deny
        self.includeDefaultDenials = includeDefaultDenials
        self.allowLoopback = allowLoopback
        self.localAddresses = localAddresses
    }

    /// Parses comma-separated CIDR lists; throws the first entry that is not a CIDR block.
    public static func parse(
        allow: String?, deny: String?, includeDefaultDenials: Bool = true, allowLoopback: Bool = true,
        localAddresses: [IPAddress] = []
    ) throws -> EgressPolicy {
        func list(_ text: String?) throws -> [IPNetwork] {
            guard let text else { return [] }
            return try text.split(separator: ",").map { entry in
                guard let network = IPNetwork(String(entry)) else { throw EgressPolicyError(entry: String(entry)) }
                return network
            }
        }
        return EgressPolicy(
            allow: try list(allow), deny: try list(deny), includeDefaultDenials: includeDefaultDenials,
            allowLoopback: allowLoopback, localAddresses: localAddresses)
    }

    /// Why `address` may not be dialled, or nil when it may. An IPv6 address that carries an IPv4 one
    /// (NAT64, 6to4, IPv4-compatible) must pass for both.
    public func denial(for address: IPAddress) -> String? {
        if let embedded = address.embeddedIPv4, let reason = ownDenial(for: embedded) {
            return "\(address) reaches \(embedded): " + reason
        }
        return ownDenial(for: address)
    }

    private func ownDenial(for address: IPAddress) -> String? {
        if !allowLoopback {
            if let block = Self.loopback.first(where: { $0.contains(address) }) {
                return
                    "\(address.unmapped) is in \(block) (this service's own host), which the service does not dial unless its operator allows loopback"
            }
            if localAddresses.contains(address.unmapped) {
                return
                    "\(address.unmapped) is an address of this service's own host, which it does not dial unless its operator allows loopback"
            }
        }
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
    public var description: String {
        let mapped =
            entry.lowercased().contains("::ffff:") ? "; an IPv4-mapped block needs a prefix of at least 96" : ""
        return "\"\(entry)\" is not a CIDR block (e.g. 10.0.0.0/8 or fd00::/8\(mapped))"
    }
}

extension EgressPolicy {
    /// The addresses of this host's network interfaces (what a tenant must not reach through the
    /// service unless loopback is allowed); empty when they cannot be listed.
    public static func hostAddresses() -> [IPAddress] {
        guard let devices = try? System.enumerateDevices() else { return [] }
        return devices.compactMap { device in
            guard let text = device.address?.ipAddress else { return nil }
            return IPAddress(text.split(separator: "%", maxSplits: 1).first.map(String.init) ?? text)
        }
    }
}
