import Foundation
import PreflightCore
import PreflightHTTP
import Testing
import _CryptoExtras

@testable import PreflightGoogle

@Suite struct GoogleAssertionTests {
    private static let account = try! GoogleServiceAccount.parse(GoogleTesting.keyFile())

    @Test func carriesTheClaimsGoogleWants() throws {
        let token = try GoogleAssertion.make(
            for: Self.account, scope: GoogleAssertion.scope(for: .bigquery),
            audience: "https://oauth2.googleapis.com/token", issuedAt: 1_700_000_000)
        let header = try #require(JWT.unverifiedHeader(token))
        #expect(
            header == ["alg": .string("RS256"), "typ": .string("JWT"), "kid": .string(GoogleTestKeys.registeredKeyID)])
        let claims = try #require(JWT.unverifiedClaims(token))
        #expect(
            claims == [
                "iss": .string(GoogleTesting.email),
                "scope": .string("https://www.googleapis.com/auth/bigquery https://www.googleapis.com/auth/iam.test"),
                "aud": .string("https://oauth2.googleapis.com/token"),
                "iat": .number(1_700_000_000),
                "exp": .number(1_700_003_600),
            ])
    }

    @Test func isSignedWithTheAccountsKey() throws {
        let token = try GoogleAssertion.make(for: Self.account, scope: "s", audience: "a", issuedAt: 1)
        #expect(JWT.verifyRS256(token, key: GoogleTestKeys.registered.publicKey))
        #expect(!JWT.verifyRS256(token, key: GoogleTestKeys.other.publicKey))
        // Tampering with the claims breaks the signature.
        let parts = token.split(separator: ".").map(String.init)
        let forged = parts[0] + "." + JWT.base64URL(Array(#"{"iss":"admin@example.com"}"#.utf8)) + "." + parts[2]
        #expect(!JWT.verifyRS256(forged, key: GoogleTestKeys.registered.publicKey))
    }

    @Test func asksForTheLeastScopes() {
        #expect(
            GoogleAssertion.scope(for: .bigquery)
                == "https://www.googleapis.com/auth/bigquery https://www.googleapis.com/auth/iam.test")
        #expect(GoogleAssertion.scope(for: .gcs) == "https://www.googleapis.com/auth/devstorage.read_only")
        #expect(
            GoogleAssertion.scope(for: .gcs, writeTest: true) == "https://www.googleapis.com/auth/devstorage.read_write"
        )
    }

    @Test func formsTheJWTBearerGrant() {
        let fields = GoogleAssertion.formFields(assertion: "a.b.c")
        #expect(fields.map(\.0) == ["grant_type", "assertion"])
        #expect(fields[0].1 == "urn:ietf:params:oauth:grant-type:jwt-bearer")
        #expect(
            FormEncoding.encode(fields)
                == "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=a.b.c")
    }
}
