import Foundation
import NIOCore

/// The nameservers, search list and timeouts of `/etc/resolv.conf` (resolv.conf(5)). Parsing is pure.
///
/// Without a usable `nameserver` line the resolver asks 127.0.0.1, as glibc does: a host whose resolv.conf
/// is missing or empty is normally running a local caching resolver, and if nothing listens there the
/// lookup fails at once (ICMP port unreachable) or times out within the ping's deadline; it never falls
/// back to the blocking system resolver.
public struct DNSResolverConfiguration: Sendable, Equatable {
    /// IP literals, in the order to try them.
    public var nameservers: [String]
    /// How long to wait for one server's answer (`options timeout:n`, default 5 s, at most 30 s).
    public var timeout: Duration
    /// How many rounds over the servers (`options attempts:n`, default 2, at most 5).
    public var attempts: Int
    /// Domains appended to a name with fewer than `ndots` dots (`search`, or `domain`; the last line wins).
    public var searchDomains: [String]
    /// How many dots make a name absolute enough to be tried as given first (`options ndots:n`, default 1, at most 15).
    public var ndots: Int

    public init(
        nameservers: [String], timeout: Duration = .seconds(5), attempts: Int = 2, searchDomains: [String] = [],
        ndots: Int = 1
    ) {
        self.nameservers = nameservers
        self.timeout = timeout
        self.attempts = attempts
        self.searchDomains = searchDomains
        self.ndots = ndots
    }

    /// Reads the text of a resolv.conf. Unknown lines and options are ignored; numbers are clamped as glibc does.
    public static func parse(resolvConf text: String) -> DNSResolverConfiguration {
        var configuration = DNSResolverConfiguration(nameservers: [])
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line =
                rawLine.split(
                    maxSplits: 1, omittingEmptySubsequences: false, whereSeparator: { $0 == "#" || $0 == ";" }
                ).first ?? ""
            let words = line.split(whereSeparator: { $0.isWhitespace })
            guard let keyword = words.first else { continue }
            switch keyword {
            case "nameserver" where words.count >= 2:
                var address = String(words[1])
                if let percent = address.firstIndex(of: "%") { address = String(address[..<percent]) }  // fe80::1%eth0
                if (try? SocketAddress(ipAddress: address, port: 53)) != nil,
                    !configuration.nameservers.contains(address)
                {
                    configuration.nameservers.append(address)
                }
            case "search", "domain":
                configuration.searchDomains = words.dropFirst().prefix(6).compactMap { word in
                    let domain = word.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
                    return domain.isEmpty ? nil : domain
                }
            case "options":
                for option in words.dropFirst() {
                    let parts = option.split(separator: ":", maxSplits: 1)
                    guard parts.count == 2, let number = Int(parts[1]) else { continue }
                    switch parts[0] {
                    case "timeout": configuration.timeout = .seconds(min(max(number, 1), 30))
                    case "attempts": configuration.attempts = min(max(number, 1), 5)
                    case "ndots": configuration.ndots = min(max(number, 0), 15)
                    default: continue
                    }
                }
            default:
                continue
            }
        }
        if configuration.nameservers.isEmpty { configuration.nameservers = ["127.0.0.1"] }
        return configuration
    }

    /// The system's configuration, read now from `path` (a missing file gives the defaults: 127.0.0.1, no search list).
    public static func system(path: String = "/etc/resolv.conf") -> DNSResolverConfiguration {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return parse(resolvConf: text)
    }

    /// The names to ask for, in order, for `name` (resolv.conf(5) `ndots`): a name ending in a dot is
    /// asked for only as given; one with at least `ndots` dots is asked for as given, then with each
    /// search domain; any other with each search domain first, then as given.
    public func candidates(for name: String) -> [String] {
        if name.hasSuffix(".") { return [String(name.dropLast())] }
        let suffixed = searchDomains.map { "\(name).\($0)" }
        let dots = name.reduce(0) { $0 + ($1 == "." ? 1 : 0) }
        return dots >= ndots ? [name] + suffixed : suffixed + [name]
    }
}
