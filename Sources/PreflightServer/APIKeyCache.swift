import Foundation
import PreflightStore
import Synchronization

/// The companies of API keys this instance checked within ``ttl``, by the key's SHA-256 (the key itself is
/// not kept). Every request carries a key, and a store read per request was two thread hops per request;
/// a key revoked in the store (`preflight keys revoke`, on any instance) stops working here within ``ttl``.
/// Only keys the store accepted are kept: an unknown key is asked of the store every time.
final class APIKeyCache: Sendable {
    /// How long a check is trusted; zero turns the cache off.
    let ttl: Duration
    /// The most keys kept; past it the cache starts afresh (a burst of keys cannot grow it).
    let capacity: Int

    private let entries = Mutex<[String: (company: Company, at: ContinuousClock.Instant)]>([:])

    init(ttl: Duration, capacity: Int = 10_000) {
        self.ttl = ttl
        self.capacity = capacity
    }

    /// The company of the key with this hash, when it was checked within ``ttl`` of `now`.
    func company(forHash hash: String, now: ContinuousClock.Instant = .now) -> Company? {
        guard ttl > .zero else { return nil }
        return entries.withLock { entries in
            guard let entry = entries[hash] else { return nil }
            guard now - entry.at < ttl else {
                entries[hash] = nil
                return nil
            }
            return entry.company
        }
    }

    /// Keeps a check the store just made.
    func remember(_ company: Company, forHash hash: String, now: ContinuousClock.Instant = .now) {
        guard ttl > .zero else { return }
        entries.withLock { entries in
            if entries.count >= capacity, entries[hash] == nil { entries.removeAll(keepingCapacity: true) }
            entries[hash] = (company, now)
        }
    }

    /// How many keys are kept (for tests).
    var count: Int { entries.withLock { $0.count } }
}
