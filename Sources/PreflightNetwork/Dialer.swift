import NIOCore
import NIOPosix
import PreflightCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The connection a dialer made, and what happened on the way.
public struct DialResult: Sendable {
    public let channel: any Channel
    public let address: SocketAddress
    /// One line per address tried ("10.0.0.5:5432 refused"), in order.
    public let attempts: [String]

    public init(channel: any Channel, address: SocketAddress, attempts: [String]) {
        self.channel = channel
        self.address = address
        self.attempts = attempts
    }
}

/// Opens TCP connections: checks each address against the egress policy, tries them in order with a
/// per-attempt budget, and registers the channel with the ping so the deadline can close it.
public struct Dialer: Sendable {
    public init() {}

    /// Connects to the first address that accepts. Throws a categorised failure naming every attempt.
    public func connect(to addresses: [SocketAddress], host: String, context: ProbeContext) async throws(ProbeFailure)
        -> DialResult
    {
        var attempts: [String] = []
        var failures: [ProbeFailure] = []
        var allowed = 0
        for (index, address) in addresses.enumerated() {
            let shown = Self.describe(address)
            if let ip = address.ipAddress.flatMap(IPAddress.init), let reason = context.egress.denial(for: ip) {
                attempts.append("\(shown) not dialled: \(reason)")
                failures.append(
                    ProbeFailure(
                        .egressDenied, "\(host) resolves to \(reason)",
                        hint:
                            "Preflight does not connect to link-local, metadata or denied networks; use a host in an allowed network"
                    ))
                continue
            }
            allowed += 1
            // Leave time for the addresses after this one, but never less than 1 s per attempt.
            let left = addresses.count - index
            let share = context.deadline.remaining / left
            let budget = min(context.deadline.remaining, max(share, .seconds(1)))
            do {
                let channel = try await connectOnce(to: address, budget: budget, context: context)
                attempts.append("\(shown) connected")
                return DialResult(channel: channel, address: address, attempts: attempts)
            } catch {
                attempts.append("\(shown) \(error.shortReason)")
                failures.append(error)
            }
        }
        let summary = attempts.joined(separator: "; ")
        if allowed == 0, let first = failures.first {
            throw ProbeFailure(.egressDenied, first.message, hint: first.hint)
        }
        // Report the most telling failure: a refusal says more than a timeout, which says more than unreachable.
        let order: [FailureCategory] = [.refused, .timeout, .unreachable, .egressDenied, .internalError]
        let best =
            failures.filter { $0.category != .egressDenied }.min {
                (order.firstIndex(of: $0.category) ?? 9) < (order.firstIndex(of: $1.category) ?? 9)
            } ?? failures.first ?? ProbeFailure(.unreachable, "no address to connect to")
        let message = addresses.count > 1 ? "\(best.message) (tried \(summary))" : best.message
        throw ProbeFailure(best.category, message, hint: best.hint, transient: best.transient)
    }

    private func connectOnce(to address: SocketAddress, budget: Duration, context: ProbeContext)
        async throws(ProbeFailure) -> any Channel
    {
        let shown = Self.describe(address)
        let timeout = TimeAmount.nanoseconds(Int64(max(budget.milliseconds, 1) * 1_000_000))
        let bootstrap = ClientBootstrap(group: context.eventLoopGroup)
            .connectTimeout(timeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(InboundByteLimit(limit: context.inboundByteLimit))
                    try channel.pipeline.syncOperations.addHandler(EarlyBytesBuffer())
                }
            }
        do {
            let channel = try await bootstrap.connect(to: address).get()
            context.register(channel)
            return channel
        } catch {
            throw Self.classify(error, shown: shown, budget: budget)
        }
    }

    /// Maps a connect error to a category and a sentence.
    static func classify(_ error: any Error, shown: String, budget: Duration) -> ProbeFailure {
        if case ChannelError.connectTimeout = error {
            return ProbeFailure(
                .timeout,
                "\(shown) did not answer within \(budget.humanDescription) (no reply to the TCP connection request)",
                hint:
                    "a firewall, security group or network ACL is probably dropping traffic to this port; allow this service's address"
            )
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED:
                return ProbeFailure(
                    .refused, "\(shown) refused the connection: nothing is listening on that port",
                    hint:
                        "check the port, and that the server is running and listening on this interface (listen_addresses / bind-address)"
                )
            case ETIMEDOUT:
                return ProbeFailure(
                    .timeout, "\(shown) did not answer (TCP connection timed out)",
                    hint: "a firewall or security group is probably dropping traffic to this port")
            case EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENETDOWN:
                return ProbeFailure(
                    .unreachable,
                    "\(shown) is unreachable from this service: \(String(cString: strerror(io.errnoCode)))",
                    hint: "the host is in a network this service cannot route to; use an SSH tunnel or private link")
            case EADDRNOTAVAIL, EAFNOSUPPORT:
                return ProbeFailure(
                    .unreachable,
                    "\(shown) cannot be dialled from this service: \(String(cString: strerror(io.errnoCode)))")
            default:
                return ProbeFailure(
                    .unreachable, "connecting to \(shown) failed: \(String(cString: strerror(io.errnoCode)))")
            }
        }
        if error is CancellationError {
            return ProbeFailure(.timeout, "connecting to \(shown) was cut off by the ping's deadline")
        }
        return ProbeFailure(.unreachable, "connecting to \(shown) failed (\(type(of: error)))")
    }

    /// "10.0.0.5:5432" or "[::1]:5432".
    public static func describe(_ address: SocketAddress) -> String {
        let ip = address.ipAddress ?? "?"
        let port = address.port.map(String.init) ?? "?"
        return ip.utf8.contains(UInt8(ascii: ":")) ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}

extension ProbeFailure {
    /// The shortest form of the failure, for lists of attempts.
    var shortReason: String {
        switch category {
        case .refused: "refused"
        case .timeout: "timed out"
        case .unreachable: "unreachable"
        default: category.rawValue
        }
    }
}
