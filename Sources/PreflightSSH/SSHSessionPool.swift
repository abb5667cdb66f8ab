import NIOCore
import NIOSSH
import Synchronization

/// Authenticated SSH connections to bastions, shared by the pings through the same tunnel for a few
/// seconds: a ping that finds a connection authenticated less than `maxAge` ago opens its direct-tcpip
/// channel on it (channels are multiplexed) instead of connecting, exchanging keys and authenticating
/// again. A connection is closed once it has had no channel for `idleLife`, or when its last channel
/// ends after `maxAge`; so a key removed from the bastion fails within `maxAge` at worst, and a report
/// says when its connection was reused. Keyed by bastion, user, our public key and the pinned host
/// key, so a new pin or a rotated key always makes a new connection. Pings that start together before
/// any connection exists each open their own; the last one opened is the one shared.
public final class SSHSessionPool: Sendable {
    /// What makes two pings' connections interchangeable.
    struct Key: Hashable, Sendable {
        var host: String
        var port: Int
        var username: String
        var publicKey: String
        var pinnedHostKey: String?

        init(_ spec: SSHTunnelSpec) {
            host = spec.host.lowercased()
            port = spec.port
            username = spec.username
            publicKey = spec.authorizedKey
            pinnedHostKey = spec.pinnedHostKey
        }
    }

    /// A connection a ping may reuse.
    struct Lease: Sendable {
        var channel: any Channel
        var authenticatedAt: ContinuousClock.Instant
        var hostKey: String?
        var address: SocketAddress
    }

    private struct State {
        /// The connection shared for each key, and the generation it was added in.
        var pooled: [Key: (lease: Lease, generation: Int)] = [:]
        /// Pings using each connection (pooled or replaced).
        var users: [ObjectIdentifier: Int] = [:]
        var opened = 0
        var reused = 0
        var generation = 0
    }

    public let maxAge: Duration
    public let idleLife: Duration
    private let state = Mutex(State())

    public init(maxAge: Duration = .seconds(5), idleLife: Duration = .seconds(2)) {
        self.maxAge = maxAge
        self.idleLife = idleLife
    }

    /// Connections opened and reuses so far.
    public var counts: (opened: Int, reused: Int) { state.withLock { ($0.opened, $0.reused) } }

    /// A live connection for `key` authenticated less than `maxAge` ago, counted as one more user.
    func checkOut(_ key: Key) -> Lease? {
        let now = ContinuousClock.now
        return state.withLock { state -> Lease? in
            guard let (lease, _) = state.pooled[key], lease.channel.isActive,
                now - lease.authenticatedAt < maxAge
            else { return nil }
            state.users[ObjectIdentifier(lease.channel), default: 0] += 1
            state.reused += 1
            return lease
        }
    }

    /// Adds a connection just authenticated, with the ping that opened it as its first user. The one it
    /// replaces for `key` closes when its own users are done (at once when it has none).
    func add(_ key: Key, _ lease: Lease) {
        let idle = state.withLock { state -> (any Channel)? in
            state.generation += 1
            state.opened += 1
            let old = state.pooled[key]?.lease.channel
            state.pooled[key] = (lease, state.generation)
            state.users[ObjectIdentifier(lease.channel)] = 1
            guard let old, (state.users[ObjectIdentifier(old)] ?? 0) == 0 else { return nil }
            state.users[ObjectIdentifier(old)] = nil
            return old
        }
        idle?.close(promise: nil)
        lease.channel.closeFuture.whenComplete { [weak self] _ in self?.forget(key, lease.channel) }
    }

    /// One user of `channel` is done. When none is left: a connection no longer pooled closes at once,
    /// one older than `maxAge` too, and a younger one after `idleLife` unless a ping takes it meanwhile.
    func checkIn(_ key: Key, _ channel: any Channel) {
        let now = ContinuousClock.now
        let id = ObjectIdentifier(channel)
        enum Next {
            case keep, close
            case closeWhenIdle(Int)
        }
        let next = state.withLock { state -> Next in
            let left = max(0, (state.users[id] ?? 1) - 1)
            state.users[id] = left
            guard left == 0 else { return .keep }
            guard let (lease, generation) = state.pooled[key], lease.channel === channel else {
                state.users[id] = nil
                return .close
            }
            guard now - lease.authenticatedAt < maxAge else {
                state.pooled[key] = nil
                state.users[id] = nil
                return .close
            }
            return .closeWhenIdle(generation)
        }
        switch next {
        case .keep: break
        case .close: channel.close(promise: nil)
        case .closeWhenIdle(let generation):
            let nanoseconds =
                idleLife.components.seconds * 1_000_000_000 + idleLife.components.attoseconds / 1_000_000_000
            channel.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) { [weak self] in
                self?.closeIfIdle(key, generation: generation)
            }
        }
    }

    private func closeIfIdle(_ key: Key, generation: Int) {
        let idle = state.withLock { state -> (any Channel)? in
            guard let (lease, pooledGeneration) = state.pooled[key], pooledGeneration == generation,
                (state.users[ObjectIdentifier(lease.channel)] ?? 0) == 0
            else { return nil }
            state.pooled[key] = nil
            state.users[ObjectIdentifier(lease.channel)] = nil
            return lease.channel
        }
        idle?.close(promise: nil)
    }

    private func forget(_ key: Key, _ channel: any Channel) {
        state.withLock { state in
            if let (lease, _) = state.pooled[key], lease.channel === channel { state.pooled[key] = nil }
            state.users[ObjectIdentifier(channel)] = nil
        }
    }

    /// Closes every pooled connection (at shutdown).
    public func closeAll() {
        let channels = state.withLock { state -> [any Channel] in
            defer { state.pooled = [:] }
            return state.pooled.values.map(\.lease.channel)
        }
        for channel in channels { channel.close(promise: nil) }
    }
}
