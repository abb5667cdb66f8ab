import Foundation
import HTTPTypes
import HummingbirdTesting
import PreflightStore
import Testing

@testable import PreflightServer

@Suite("API key cache")
struct APIKeyCacheTests {
    static let body = #"{"type":"postgresql","sharedConfig":{"host":"","port":5432}}"#
    static let company = Company(uuid: UUID(), name: "Acme", createdAt: Date())

    @Test("a check is trusted for the TTL, then asked again")
    func expiry() {
        let cache = APIKeyCache(ttl: .seconds(1))
        let start = ContinuousClock.now
        cache.remember(Self.company, forHash: "h", now: start)
        #expect(cache.company(forHash: "h", now: start + .milliseconds(999)) == Self.company)
        #expect(cache.company(forHash: "h", now: start + .seconds(1)) == nil)
        #expect(cache.count == 0, "an expired entry is dropped when it is looked at")
        #expect(cache.company(forHash: "other", now: start) == nil)
    }

    @Test("a TTL of zero keeps nothing")
    func off() {
        let cache = APIKeyCache(ttl: .zero)
        cache.remember(Self.company, forHash: "h")
        #expect(cache.company(forHash: "h") == nil)
        #expect(cache.count == 0)
    }

    @Test("the cache is bounded: past its capacity it starts afresh")
    func bounded() {
        let cache = APIKeyCache(ttl: .seconds(60), capacity: 3)
        for i in 0..<3 { cache.remember(Self.company, forHash: "h\(i)") }
        #expect(cache.count == 3)
        cache.remember(Self.company, forHash: "h0")
        #expect(cache.count == 3, "refreshing a kept key does not evict")
        cache.remember(Self.company, forHash: "h3")
        #expect(cache.count == 1)
    }

    /// Revokes the test company's only key in the store.
    static func revokeTheKey(_ context: TestContext) async throws {
        let keys = try await context.store.keys(for: context.company.uuid)
        #expect(
            try await context.store.revokeKey(uuid: try #require(keys.first).uuid, companyUUID: context.company.uuid))
    }

    @Test("a request with a cached key does not ask the store; a revoked key fails once the TTL is zero")
    func storeNotAsked() async throws {
        var server = ServerConfiguration()
        server.apiKeyCacheTTL = .seconds(600)
        try await withTestAPI(server: server) { client, context in
            let first = try await client.ping(Self.body, headers: context.auth)
            #expect(first.status != .unauthorized)
            try await Self.revokeTheKey(context)
            // Within the TTL the check is not made again: the revoked key still passes here (the documented window).
            let second = try await client.ping(Self.body, headers: context.auth)
            #expect(second.status != .unauthorized)
        }
        var uncached = ServerConfiguration()
        uncached.apiKeyCacheTTL = .zero
        try await withTestAPI(server: uncached) { client, context in
            let first = try await client.ping(Self.body, headers: context.auth)
            #expect(first.status != .unauthorized)
            try await Self.revokeTheKey(context)
            let second = try await client.ping(Self.body, headers: context.auth)
            #expect(second.status == .unauthorized)
        }
    }

    @Test("a malformed key is refused without asking the store")
    func malformed() async throws {
        try await withTestAPI { client, context in
            for header in ["Bearer arsk_short", "Bearer " + String(repeating: "x", count: 60)] {
                let response = try await client.ping(Self.body, headers: [.authorization: header])
                #expect(response.status == .unauthorized)
            }
        }
    }
}
