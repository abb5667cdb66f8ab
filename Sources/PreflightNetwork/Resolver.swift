import NIOCore
import NIOPosix
import PreflightCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Resolves host names to every address (IPv6 and IPv4), bounded by a deadline.
public struct Resolver: Sendable {
    /// Resolves a name; replaceable in tests.
    public var lookup: @Sendable (_ host: String, _ port: Int) async throws(ProbeFailure) -> [SocketAddress]

    public init(lookup: @escaping @Sendable (_ host: String, _ port: Int) async throws(ProbeFailure) -> [SocketAddress])
    {
        self.lookup = lookup
    }

    /// The system resolver (getaddrinfo) run off the event loops.
    public static let system = Resolver { host, port throws(ProbeFailure) in
        do {
            return try await NIOThreadPool.singleton.runIfActive { try getAddresses(host: host, port: port) }
        } catch let failure as ProbeFailure {
            throw failure
        } catch {
            throw ProbeFailure(.internalError, "the resolver could not run: \(error)")
        }
    }

    /// Blocking getaddrinfo with AF_UNSPEC; results deduplicated in the order the system prefers.
    static func getAddresses(host: String, port: Int) throws -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        defer { if let result { freeaddrinfo(result) } }
        guard status == 0 else { throw failure(for: status, host: host) }
        var addresses: [SocketAddress] = []
        var seen = Set<String>()
        var cursor = result
        while let info = cursor {
            defer { cursor = info.pointee.ai_next }
            guard let sockaddr = info.pointee.ai_addr else { continue }
            let address: SocketAddress
            switch info.pointee.ai_family {
            case AF_INET:
                address = sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    SocketAddress($0.pointee, host: host)
                }
            case AF_INET6:
                address = sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    SocketAddress($0.pointee, host: host)
                }
            default:
                continue
            }
            if seen.insert(address.ipAddress ?? "").inserted { addresses.append(address) }
        }
        guard !addresses.isEmpty else {
            throw ProbeFailure(
                .dns, "\(host) resolves to no IPv4 or IPv6 address", hint: "check the host name for typos")
        }
        return addresses
    }

    static func failure(for status: Int32, host: String) -> ProbeFailure {
        switch status {
        case EAI_NONAME:
            return ProbeFailure(
                .dns, "\(host) does not resolve: no such host name",
                hint:
                    "check the host name for typos; a private host name only resolves inside its own network (use an SSH tunnel)"
            )
        case EAI_AGAIN:
            return ProbeFailure(
                .dns, "\(host) could not be resolved: the DNS server did not answer (temporary failure)",
                hint: "try again; if it persists, the DNS server for this name is unreachable", transient: true)
        default:
            let reason = String(cString: gai_strerror(status))
            return ProbeFailure(.dns, "\(host) could not be resolved: \(reason)")
        }
    }
}
