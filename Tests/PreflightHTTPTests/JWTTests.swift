import Crypto
import Foundation
import PreflightCore
import PreflightHTTP
import Testing
import _CryptoExtras

/// One RSA key for the whole file: generating them is slow in debug builds.
private let rsaKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

@Suite("JWT and RSA keys")
struct JWTTests {
    @Test func base64URLRoundTripsAndHasNoPadding() {
        let bytes: [UInt8] = [0xFB, 0xFF, 0xBF, 0x00, 0x01]
        let text = JWT.base64URL(bytes)
        #expect(text == "-_-_AAE")
        #expect(JWT.decodeBase64URL(text) == bytes)
        #expect(JWT.decodeBase64URL("not base64!") == nil)
    }

    @Test func rfc7515HeaderExampleEncodes() {
        // RFC 7515 §3.3: the UTF-8 of {"typ":"JWT",\r\n "alg":"HS256"} encodes to this.
        let header = "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}"
        #expect(JWT.base64URL(Array(header.utf8)) == "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9")
    }

    @Test func signedTokenVerifiesWithThePublicKeyOnly() throws {
        let token = try JWT.signRS256(
            claims: ["iss": .string("a@b.example"), "iat": .number(1_700_000_000)], key: rsaKey,
            header: ["kid": .string("k1")])
        #expect(JWT.verifyRS256(token, key: rsaKey.publicKey))
        #expect(JWT.unverifiedHeader(token) == ["alg": .string("RS256"), "typ": .string("JWT"), "kid": .string("k1")])
        #expect(JWT.unverifiedClaims(token)?["iat"] == .number(1_700_000_000))
        // The claims are compact JSON with sorted keys, and whole numbers have no fraction.
        let payload = String(token.split(separator: ".")[1])
        #expect(
            String(decoding: JWT.decodeBase64URL(payload)!, as: UTF8.self) == #"{"iat":1700000000,"iss":"a@b.example"}"#
        )
        // A changed claim breaks the signature.
        var parts = token.split(separator: ".").map(String.init)
        parts[1] = JWT.base64URL(Array(#"{"iat":1700000000,"iss":"evil@b.example"}"#.utf8))
        #expect(!JWT.verifyRS256(parts.joined(separator: "."), key: rsaKey.publicKey))
        let other = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        #expect(!JWT.verifyRS256(token, key: other.publicKey))
    }

    @Test func malformedTokensHaveNoClaims() {
        #expect(JWT.unverifiedClaims("abc") == nil)
        #expect(JWT.unverifiedClaims("a.b") == nil)
        #expect(JWT.unverifiedClaims("a.!!.c") == nil)
        #expect(JWT.unverifiedClaims("e30.bm90IGpzb24.c") == nil)
    }

    @Test func pkcs8KeyIsRead() throws {
        let parsed = try RSAPrivateKeyPEM.parse(rsaKey.pemRepresentation, field: "sharedConfig.privateKey")
        #expect(parsed.publicKey.derRepresentation == rsaKey.publicKey.derRepresentation)
    }

    @Test func escapedNewlinesAreAccepted() throws {
        let escaped = rsaKey.pemRepresentation.replacingOccurrences(of: "\n", with: "\\n")
        let parsed = try RSAPrivateKeyPEM.parse(escaped, field: "privateKey")
        #expect(parsed.publicKey.derRepresentation == rsaKey.publicKey.derRepresentation)
    }

    @Test(arguments: [
        ("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----", "encrypted"),
        ("-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----", "not an RSA"),
        ("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----", "public key"),
        ("just some text PLANTEDSECRET", "not a PEM private key"),
        ("-----BEGIN PRIVATE KEY-----\nPLANTEDSECRET\n-----END PRIVATE KEY-----", "could not be read"),
    ])
    func wrongKeysAreRefusedWithoutQuotingThem(pem: String, expected: String) {
        do {
            _ = try RSAPrivateKeyPEM.parse(pem, field: "sharedConfig.privateKey")
            Issue.record("accepted")
        } catch {
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(error.message.contains("sharedConfig.privateKey"))
            #expect(!error.message.contains("PLANTEDSECRET"))
            #expect(!error.message.contains("MIIB"))
        }
    }
}

@Suite("RSAPrivateKeyPEM: bounded")
struct RSAPrivateKeyBoundsTests {
    @Test func anOversizedKeyIsRefusedBeforeItIsParsed() {
        let body = String(repeating: "QUFB", count: 4096)  // 16 KB of base64
        let pem = "-----BEGIN PRIVATE KEY-----\n\(body)\n-----END PRIVATE KEY-----\n"
        do {
            _ = try RSAPrivateKeyPEM.parse(pem, field: "privateKey")
            Issue.record("an oversized key was accepted")
        } catch {
            #expect(error.message == "privateKey is too large for an RSA private key of at most 8192 bits")
        }
    }
}
