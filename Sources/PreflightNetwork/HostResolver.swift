import NIOCore
import NIOPosix
import PreflightCore

/// Resolves host names to IPv4 and IPv6 addresses without holding a thread while it waits: `/etc/hosts`
/// first, then the nameservers of `/etc/resolv.conf` over UDP on NIO channels (TCP when an answer is
/// truncated), asking for A and AAAA at once and following CNAME chains inside the answers.
///
/// This replaces blocking `getaddrinfo` on a shared thread pool, where a few lookups of names whose
/// nameserver never answers held every pool thread and stalled every other ping's lookups. Here a
/// lookup is only a pending UDP socket and a timer; it ends at its budget or when its task is cancelled.
///
/// Not used (deliberately): NSS modules other than `files` and `dns` (mDNS, LDAP, systemd's
/// `myhostname`). A service that needs them can run a local caching resolver and list it in resolv.conf.
/// `localhost` and names under `.localhost` resolve to the loopback addresses even when the hosts file
/// does not list them (RFC 6761), as systemd's resolver does.
public struct HostResolver: Sendable {
    /// The nameservers, search list and timeouts; read at each lookup, so resolv.conf changes are seen.
    public var configuration: @Sendable () -> DNSResolverConfiguration
    /// The hosts file; read at each lookup.
    public var hosts: @Sendable () -> HostsFile
    /// The nameservers' port (53; tests point it at a local fake server).
    public var port: Int
    /// Where the UDP and TCP channels run.
    public var group: any EventLoopGroup

    /// The system's configuration: `resolvConfPath` and `hostsPath` read at each lookup.
    public init(
        resolvConfPath: String = "/etc/resolv.conf", hostsPath: String = "/etc/hosts",
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = { DNSResolverConfiguration.system(path: resolvConfPath) }
        self.hosts = { HostsFile.read(path: hostsPath) }
        self.port = 53
        self.group = group
    }

    /// A fixed configuration (tests point it at a loopback nameserver on `port`).
    public init(
        configuration: DNSResolverConfiguration, port: Int = 53, hosts: HostsFile = HostsFile(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = { configuration }
        self.hosts = { hosts }
        self.port = port
        self.group = group
    }

    /// Every address of `host` (IPv4 first, then IPv6, without repeats) with `port`, within `budget`.
    /// Throws `dns` for a name that does not exist, has no address, or whose nameserver failed or gave up,
    /// and `timeout` when the budget ran out before an answer.
    public func resolve(_ host: String, port: Int, budget: Duration) async throws(ProbeFailure) -> [SocketAddress] {
        var name = host
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if let literal = IPAddress(name) { return try Self.socketAddresses([literal], host: host, port: port) }
        let listed = hosts().lookup(name).compactMap(IPAddress.init)
        if !listed.isEmpty { return try Self.socketAddresses(listed, host: host, port: port) }
        let key = HostsFile.key(name)
        if key == "localhost" || key.hasSuffix(".localhost") {
            return try Self.socketAddresses(
                [IPAddress("127.0.0.1"), IPAddress("::1")].compactMap { $0 }, host: host, port: port)
        }
        let configuration = self.configuration()
        let end = ContinuousClock.now + budget
        var outcomes: [LookupOutcome] = []
        for candidate in configuration.candidates(for: name) {
            let remaining = end - ContinuousClock.now
            guard remaining > .zero, !Task.isCancelled else {
                throw Self.failure(.timedOut, host: host, budget: budget, budgetSpent: true)
            }
            let outcome = await ask(candidate, within: remaining, configuration: configuration)
            if case .found(let addresses) = outcome {
                return try Self.socketAddresses(addresses, host: host, port: port)
            }
            if case .timedOut = outcome {
                let spent = ContinuousClock.now >= end - .milliseconds(5) || Task.isCancelled
                throw Self.failure(.timedOut, host: host, budget: budget, budgetSpent: spent)
            }
            outcomes.append(outcome)
        }
        let worst = outcomes.max { $0.rank < $1.rank } ?? .noSuchName
        throw Self.failure(worst, host: host, budget: budget, budgetSpent: false)
    }

    /// What asking for one name produced.
    enum LookupOutcome: Sendable {
        case found([IPAddress])
        case noSuchName
        case noAddress
        case serverFailed(UInt8)
        case malformed(String)
        case unreachable(String)
        case timedOut

        /// Which outcome explains a failed lookup best when several names were tried.
        var rank: Int {
            switch self {
            case .noSuchName: 0
            case .malformed: 1
            case .unreachable: 2
            case .serverFailed: 3
            case .noAddress: 4
            case .timedOut, .found: 5
            }
        }
    }

    /// Asks for the A and AAAA records of `name` at once.
    func ask(_ name: String, within budget: Duration, configuration: DNSResolverConfiguration) async
        -> LookupOutcome
    {
        let client = DNSClient(configuration: configuration, port: port)
        let group = self.group
        async let v4 = Self.query(client, name, .a, budget: budget, group: group, configuration: configuration)
        async let v6 = Self.query(client, name, .aaaa, budget: budget, group: group, configuration: configuration)
        let answers = await [v4, v6]
        var found: [IPAddress] = []
        var outcomes: [LookupOutcome] = []
        for (answer, type) in zip(answers, [DNSRecordType.a, .aaaa]) {
            switch answer {
            case .success(let message):
                switch message.responseCode {
                case 0:
                    let addresses = Self.addresses(in: message, for: name, type: type)
                    found += addresses
                    if addresses.isEmpty { outcomes.append(.noAddress) }
                case 3: outcomes.append(.noSuchName)
                default: outcomes.append(.serverFailed(message.responseCode))
                }
            case .failure(.timedOut): outcomes.append(.timedOut)
            case .failure(.malformed(let reason)): outcomes.append(.malformed(reason))
            case .failure(.unreachable(let reason)): outcomes.append(.unreachable(reason))
            }
        }
        if !found.isEmpty { return .found(found) }
        return outcomes.max { $0.rank < $1.rank } ?? .noSuchName
    }

    static func query(
        _ client: DNSClient, _ name: String, _ type: DNSRecordType, budget: Duration, group: any EventLoopGroup,
        configuration: DNSResolverConfiguration
    ) async -> Result<DNSMessage, DNSLookupFailure> {
        do throws(DNSLookupFailure) {
            return .success(
                try await client.query(
                    name, type: type, budget: budget, group: group, configuration: configuration,
                    register: { _ in }))
        } catch {
            return .failure(error)
        }
    }

    /// The addresses of `type` for `name` in an answer, following the answer's CNAME chain from `name`
    /// (at most 16 links, so a loop ends). Records for other names, classes or sizes are ignored.
    public static func addresses(in message: DNSMessage, for name: String, type: DNSRecordType) -> [IPAddress] {
        var current = HostsFile.key(name)
        for _ in 0..<16 {
            let link = message.answers.first { record in
                record.type == .cname && record.recordClass == 1 && HostsFile.key(record.name) == current
            }
            guard let link, case .cname(let target) = link.data else { break }
            current = HostsFile.key(target)
        }
        let size = type == .a ? 4 : 16
        return message.answers.compactMap { record in
            guard record.type == type, record.recordClass == 1, HostsFile.key(record.name) == current,
                case .other(let bytes) = record.data, bytes.count == size
            else { return nil }
            return IPAddress(bytes: bytes)
        }
    }

    static func socketAddresses(_ addresses: [IPAddress], host: String, port: Int) throws(ProbeFailure)
        -> [SocketAddress]
    {
        var seen = Set<IPAddress>()
        let ordered = addresses.filter(\.isIPv4) + addresses.filter { !$0.isIPv4 }
        var result: [SocketAddress] = []
        for address in ordered where seen.insert(address).inserted {
            if let socket = try? SocketAddress(ipAddress: address.description, port: port) { result.append(socket) }
        }
        guard !result.isEmpty else {
            throw ProbeFailure(.invalidConfig, "\(host) is not a usable address for port \(port)")
        }
        return result
    }

    /// The failure a ping reports for a lookup that found nothing; the wording of the system resolver's
    /// errors is kept (`does not resolve: no such host name`, `the DNS server did not answer`).
    static func failure(_ outcome: LookupOutcome, host: String, budget: Duration, budgetSpent: Bool) -> ProbeFailure {
        switch outcome {
        case .noSuchName, .found:
            return ProbeFailure(
                .dns, "\(host) does not resolve: no such host name",
                hint:
                    "check the host name for typos; a private host name only resolves inside its own network (use an SSH tunnel)"
            )
        case .noAddress:
            return ProbeFailure(
                .dns, "\(host) resolves to no IPv4 or IPv6 address", hint: "check the host name for typos")
        case .serverFailed(let code):
            return ProbeFailure(
                .dns,
                "\(host) could not be resolved: the DNS server answered \(DNSMessage.describe(responseCode: code))",
                hint: "try again; if it persists, the DNS server for this name is failing", transient: true)
        case .malformed(let reason):
            return ProbeFailure(.dns, "\(host) could not be resolved: the DNS answer is unusable (\(reason))")
        case .unreachable(let reason):
            return ProbeFailure(
                .dns, "\(host) could not be resolved: the DNS server could not be asked (\(reason))",
                hint: "check this service's DNS settings (/etc/resolv.conf)", transient: true)
        case .timedOut where budgetSpent:
            return ProbeFailure(
                .timeout,
                "resolving \(host) took longer than \(budget.humanDescription): the DNS server did not answer",
                hint: "the DNS server did not answer in time; check this service's DNS settings", transient: true)
        case .timedOut:
            return ProbeFailure(
                .dns, "\(host) could not be resolved: the DNS server did not answer (temporary failure)",
                hint: "try again; if it persists, the DNS server for this name is unreachable", transient: true)
        }
    }
}
