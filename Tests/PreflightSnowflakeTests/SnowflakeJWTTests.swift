import Crypto
import Foundation
import PreflightCore
import PreflightHTTP
import PreflightSnowflake
import Testing
import _CryptoExtras

@Suite("Snowflake key-pair JWT")
struct SnowflakeJWTTests {
    static let userKey = try! RSAPrivateKeyPEM.parse(SnowflakeTestKeys.userPEM, field: "test")

    @Test("the fingerprint matches openssl's for the same key")
    func fingerprintMatchesOpenSSL() throws {
        #expect(SnowflakeKeyPairJWT.fingerprint(of: Self.userKey.publicKey) == SnowflakeTestKeys.userFingerprint)
        let stranger = try RSAPrivateKeyPEM.parse(SnowflakeTestKeys.strangerPEM, field: "test")
        #expect(SnowflakeKeyPairJWT.fingerprint(of: stranger.publicKey) == SnowflakeTestKeys.strangerFingerprint)
    }

    @Test("a PKCS#1 copy of the key has the same fingerprint")
    func pkcs1() throws {
        let key = try RSAPrivateKeyPEM.parse(SnowflakeTestKeys.userPKCS1PEM, field: "test")
        #expect(SnowflakeKeyPairJWT.fingerprint(of: key.publicKey) == SnowflakeTestKeys.userFingerprint)
    }

    @Test("claims: iss, sub, iat and exp within the hour")
    func claims() throws {
        let token = try SnowflakeKeyPairJWT.token(
            account: "MYORG-MYACCOUNT", user: "LOADER", key: Self.userKey, issuedAt: 1_700_000_000)
        let claims = try #require(JWT.unverifiedClaims(token))
        #expect(claims["sub"]?.stringValue == "MYORG-MYACCOUNT.LOADER")
        #expect(claims["iss"]?.stringValue == "MYORG-MYACCOUNT.LOADER.\(SnowflakeTestKeys.userFingerprint)")
        #expect(claims["iat"]?.intValue == 1_700_000_000)
        let exp = try #require(claims["exp"]?.intValue)
        #expect(exp > 1_700_000_000 && exp - 1_700_000_000 <= 3600)
        #expect(JWT.unverifiedHeader(token)?["alg"]?.stringValue == "RS256")
        #expect(JWT.verifyRS256(token, key: Self.userKey.publicKey))
        let stranger = try RSAPrivateKeyPEM.parse(SnowflakeTestKeys.strangerPEM, field: "test")
        #expect(!JWT.verifyRS256(token, key: stranger.publicKey))
    }

    @Test("account and user are upper-cased in the subject")
    func uppercased() {
        #expect(SnowflakeKeyPairJWT.subject(account: "xy12345", user: "etl_user") == "XY12345.ETL_USER")
    }
}
