import Foundation
import PreflightCore
import PreflightHTTP
import PreflightMotherDuck
import Testing

/// Token and endpoint validation, and reading the token's claims, without I/O.
struct MotherDuckConfigTests {
    func config(_ values: [String: JSONValue]) throws(InvalidConfig) -> MotherDuckConfig {
        try MotherDuckConfig(payload: ConnectorPayload(type: .motherduck, sharedConfig: SharedConfig(values)))
    }

    @Test func aJWTIsAccepted() throws {
        let token = MotherDuckTesting.token()
        let parsed = try config(["token": .string("  \(token)\n")])
        #expect(parsed.token == token)
        #expect(parsed.claims.username == "alice")
        #expect(parsed.claims.owner == "alice (alice@example.com)")
        #expect(parsed.endpoint.description == "https://api.motherduck.com")
        #expect(try config(["token": .string("Bearer \(token)")]).token == token)
    }

    @Test func malformedTokensAreRefusedWithoutQuotingThem() {
        for bad in [
            "not-a-jwt-at-all-Planted-Secret", "aaa.bbb.ccc-Planted-Secret", "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln",
            "two words.x.y",
        ] {
            do {
                _ = try config(["token": .string(bad)])
                Issue.record("\(bad) was accepted")
            } catch {
                #expect(error.message.contains("sharedConfig.token"))
                #expect(!error.message.contains("Planted-Secret"))
            }
        }
        #expect(throws: InvalidConfig.self) { try config([:]) }
        #expect(throws: InvalidConfig.self) { try config(["token": .string("")]) }
        #expect(throws: InvalidConfig.self) { try config(["token": .number(1)]) }
    }

    @Test func endpointMustBeHTTPS() throws {
        let token = MotherDuckTesting.token()
        #expect(
            try config(["token": .string(token), "endpointURL": .string("https://api.example.test:8443")]).endpoint.port
                == 8443)
        #expect(throws: InvalidConfig.self) {
            try config(["token": .string(token), "endpointURL": .string("http://api.example.test")])
        }
        #expect(throws: InvalidConfig.self) { try config(["token": .string(token), "sslRootCert": .string("nope")]) }
    }

    @Test func claimsAndExpiry() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let expired = try #require(
            MotherDuckToken(MotherDuckTesting.token(["username": .string("bob"), "exp": .number(1_799_999_000)])))
        #expect(expired.isExpired(at: now))
        #expect(expired.expiryDescription(at: now) == "expired 2027-01-15T07:43:20Z")
        let open = try #require(MotherDuckToken(MotherDuckTesting.token(["email": .string("c@example.com")])))
        #expect(!open.isExpired(at: now))
        #expect(open.owner == "c@example.com")
        #expect(open.username == nil)
        #expect(open.expiryDescription(at: now) == "no expiry (no exp claim)")
        #expect(MotherDuckToken("a.b") == nil)
    }

    @Test func factoryServesMotherDuck() throws {
        #expect(MotherDuckProbeFactory().types == [.motherduck])
        _ = try MotherDuckProbeFactory().makeProbe(
            for: ConnectorPayload(
                type: .motherduck, sharedConfig: SharedConfig(["token": .string(MotherDuckTesting.token())])))
    }
}
