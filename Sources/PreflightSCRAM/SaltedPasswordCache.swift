import Crypto
import Foundation
import Synchronization

/// Salted passwords (SCRAM's Hi(password, salt, i), the ping's costliest step) kept for a while, as
/// MongoDB's drivers keep them: a server answers the same salt and iteration count for a user every
/// time, so a repeated ping of the same configuration skips PBKDF2. Entries are keyed by a SHA-256 of
/// the mechanism, iterations, salt and password (the password itself is not kept), live at most
/// `lifetime`, and at most `capacity` are kept (the oldest go first).
final class SaltedPasswordCache: Sendable {
    static let shared = SaltedPasswordCache()

    let capacity: Int
    let lifetime: Duration
    private let entries = Mutex<(values: [Data: (salted: [UInt8], at: ContinuousClock.Instant)], order: [Data])>(
        ([:], []))

    init(capacity: Int = 512, lifetime: Duration = .seconds(600)) {
        self.capacity = capacity
        self.lifetime = lifetime
    }

    static func key(mechanism: String, password: [UInt8], salt: [UInt8], iterations: Int) -> Data {
        var hash = SHA256()
        hash.update(data: Array("\(mechanism)\u{0}\(iterations)\u{0}".utf8))
        hash.update(data: Array(String(salt.count).utf8) + [0] + salt)
        hash.update(data: password)
        return Data(hash.finalize())
    }

    /// The cached value, or `derive()`'s (then kept).
    func salted(mechanism: String, password: [UInt8], salt: [UInt8], iterations: Int, derive: () -> [UInt8])
        -> [UInt8]
    {
        let key = Self.key(mechanism: mechanism, password: password, salt: salt, iterations: iterations)
        let now = ContinuousClock.now
        if let hit = live(key, now: now) { return hit }
        let value = derive()
        entries.withLock { state in
            if state.values.updateValue((value, now), forKey: key) == nil { state.order.append(key) }
            while state.order.count > capacity {
                state.values[state.order.removeFirst()] = nil
            }
        }
        return value
    }

    /// Whether a live value is kept for these inputs (for tests: a ping's login went through the cache).
    func holds(mechanism: String, password: [UInt8], salt: [UInt8], iterations: Int) -> Bool {
        live(Self.key(mechanism: mechanism, password: password, salt: salt, iterations: iterations), now: .now) != nil
    }

    /// The value kept for `key`, unless it is older than `lifetime`.
    private func live(_ key: Data, now: ContinuousClock.Instant) -> [UInt8]? {
        entries.withLock { state in
            guard let entry = state.values[key], now - entry.at < lifetime else { return nil }
            return entry.salted
        }
    }

    /// How many are kept (for tests).
    var count: Int { entries.withLock { $0.values.count } }
}
