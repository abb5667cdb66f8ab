import Synchronization
import Testing

@testable import PreflightSCRAM

/// PBKDF2 runs once per (mechanism, password, salt, iterations) while an entry lives; any difference,
/// an expired entry or one pushed out by newer ones derives again.
@Suite struct SaltedPasswordCacheTests {
    static func derive(
        _ cache: SaltedPasswordCache, _ calls: borrowing Mutex<Int>, password: String = "pw", salt: [UInt8] = [1, 2],
        iterations: Int = 4096, mechanism: String = "SHA256"
    ) -> [UInt8] {
        cache.salted(mechanism: mechanism, password: Array(password.utf8), salt: salt, iterations: iterations) {
            calls.withLock { $0 += 1 }
            return Array("\(mechanism)\(password)\(salt)\(iterations)".utf8)
        }
    }

    @Test func derivesOncePerInputs() {
        let cache = SaltedPasswordCache()
        let calls = Mutex(0)
        let first = Self.derive(cache, calls)
        #expect(Self.derive(cache, calls) == first)
        #expect(calls.withLock { $0 } == 1)
        _ = Self.derive(cache, calls, password: "other")
        _ = Self.derive(cache, calls, salt: [1, 3])
        _ = Self.derive(cache, calls, iterations: 4097)
        _ = Self.derive(cache, calls, mechanism: "SHA1")
        #expect(calls.withLock { $0 } == 5)
    }

    @Test func expiredAndEvictedEntriesDeriveAgain() {
        let expiring = SaltedPasswordCache(lifetime: .zero)
        let calls = Mutex(0)
        _ = Self.derive(expiring, calls)
        _ = Self.derive(expiring, calls)
        #expect(calls.withLock { $0 } == 2)

        let small = SaltedPasswordCache(capacity: 2)
        let counted = Mutex(0)
        for password in ["a", "b", "c"] { _ = Self.derive(small, counted, password: password) }
        #expect(small.count == 2)
        _ = Self.derive(small, counted, password: "a")
        #expect(counted.withLock { $0 } == 4, "a was the oldest: evicted")
        _ = Self.derive(small, counted, password: "c")
        #expect(counted.withLock { $0 } == 4)
    }

    @Test func theKeyDoesNotHoldThePassword() {
        let key = SaltedPasswordCache.key(
            mechanism: "SHA256", password: Array("planted-Password-1".utf8), salt: [9], iterations: 1)
        #expect(key.count == 32)
        #expect(!String(decoding: key, as: UTF8.self).contains("planted"))
    }
}
