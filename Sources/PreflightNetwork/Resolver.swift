import NIOCore
import PreflightCore

/// Resolves host names to every address (IPv4 and IPv6), bounded by a deadline.
public struct Resolver: Sendable {
    /// Resolves a name with no budget of its own (the caller bounds it, or cancels its task); replaceable in tests.
    public var lookup: @Sendable (_ host: String, _ port: Int) async throws(ProbeFailure) -> [SocketAddress]
    /// Resolves a name within a budget (see `resolve(_:port:within:)`).
    public var boundedLookup:
        @Sendable (_ host: String, _ port: Int, _ budget: Duration) async throws(ProbeFailure) -> [SocketAddress]

    /// A resolver from a lookup that ignores budgets (the caller's deadline bounds it).
    public init(lookup: @escaping @Sendable (_ host: String, _ port: Int) async throws(ProbeFailure) -> [SocketAddress])
    {
        self.lookup = lookup
        self.boundedLookup = { host, port, _ throws(ProbeFailure) in try await lookup(host, port) }
    }

    /// A resolver from a lookup that honours a budget; `lookup` without one gets `defaultBudget`.
    public init(
        defaultBudget: Duration = .seconds(10),
        boundedLookup:
            @escaping @Sendable (_ host: String, _ port: Int, _ budget: Duration) async throws(ProbeFailure)
            -> [SocketAddress]
    ) {
        self.boundedLookup = boundedLookup
        self.lookup = { host, port throws(ProbeFailure) in try await boundedLookup(host, port, defaultBudget) }
    }

    /// Resolves `host` within `budget` (pass the ping's budget: a lookup must never outlive its ping).
    public func resolve(_ host: String, port: Int, within budget: Duration) async throws(ProbeFailure)
        -> [SocketAddress]
    {
        try await boundedLookup(host, port, budget)
    }

    /// The system's resolver: `/etc/hosts`, then the nameservers of `/etc/resolv.conf`, asked on NIO
    /// channels so that a lookup waiting for a silent nameserver holds no thread (`HostResolver`).
    /// Without a budget a lookup stops after 10 s, glibc's default (two rounds of 5 s).
    public static let system = Resolver.dns(HostResolver())

    /// A resolver backed by `resolver` (tests point one at a loopback nameserver).
    public static func dns(_ resolver: HostResolver, defaultBudget: Duration = .seconds(10)) -> Resolver {
        Resolver(defaultBudget: defaultBudget) { host, port, budget throws(ProbeFailure) in
            try await resolver.resolve(host, port: port, budget: budget)
        }
    }
}
