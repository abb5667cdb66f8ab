import Crypto
import Foundation
import PreflightMongo
import PreflightSCRAM
import Testing

@Suite struct SCRAMTests {
    /// RFC 7677 section 3: SCRAM-SHA-256, user "user", password "pencil".
    @Test func rfc7677TestVector() throws {
        var client = SCRAMClient(
            mechanism: .sha256, username: "user", preparedPassword: "pencil", clientNonce: "rOprNGfwEbeRWgbNEkqO")
        #expect(client.clientFirstMessage == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO")
        let final = try client.clientFinalMessage(
            serverFirst: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
        #expect(
            final
                == "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        )
        try client.verifyServerFinal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
    }

    /// RFC 5802 section 5: SCRAM-SHA-1, user "user", password "pencil".
    @Test func rfc5802TestVector() throws {
        var client = SCRAMClient(
            mechanism: .sha1, username: "user", preparedPassword: "pencil", clientNonce: "fyko+d2lbbFgONRv9qkxdawL")
        #expect(client.clientFirstMessage == "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL")
        let final = try client.clientFinalMessage(
            serverFirst: "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096")
        #expect(final == "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=")
        try client.verifyServerFinal("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")
    }

    /// The MongoDB auth specification's SCRAM-SHA-1 example: user "user", password "pencil", whose SCRAM
    /// password is the hex MD5 of "user:mongo:pencil".
    @Test func mongoSHA1UsesTheMD5Digest() throws {
        var client = try SCRAMClient(
            mechanism: .sha1, username: "user", password: "pencil", clientNonce: "fyko+d2lbbFgONRv9qkxdawL")
        let final = try client.clientFinalMessage(
            serverFirst: "r=fyko+d2lbbFgONRv9qkxdawLHo+Vgk7qvUOKUwuWLIWg4l/9SraGMHEE,s=rQ9ZY3MntBeuP3E1TDVC4w==,i=10000"
        )
        #expect(
            final == "c=biws,r=fyko+d2lbbFgONRv9qkxdawLHo+Vgk7qvUOKUwuWLIWg4l/9SraGMHEE,p=MC2T8BvbmWRckDw8oWl5IVghwCY=")
        try client.verifyServerFinal("v=UMWeI25JD1yNYZRMpZ4VHvhZ9e0=")
        let digest = Insecure.MD5.hash(data: Array("user:mongo:pencil".utf8)).map { String(format: "%02x", $0) }
            .joined()
        #expect(digest == "1c33006ec1ffd90f9cadcbcc0e118200")
    }

    /// The MongoDB auth specification's SCRAM-SHA-256 example (user "user", password "pencil").
    @Test func mongoSHA256Example() throws {
        var client = try SCRAMClient(
            mechanism: .sha256, username: "user", password: "pencil", clientNonce: "rOprNGfwEbeRWgbNEkqO")
        let final = try client.clientFinalMessage(
            serverFirst: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
        #expect(final.hasSuffix("p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="))
    }

    @Test func aForgedServerSignatureIsRefused() throws {
        var client = SCRAMClient(
            mechanism: .sha256, username: "user", preparedPassword: "pencil", clientNonce: "rOprNGfwEbeRWgbNEkqO")
        _ = try client.clientFinalMessage(
            serverFirst: "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
        #expect(throws: SCRAMError.self) {
            try client.verifyServerFinal("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        }
        #expect(throws: SCRAMError.self) { try client.verifyServerFinal("e=invalid-proof") }
    }

    @Test(arguments: [
        "r=someoneElsesNonce,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        "r=abcXYZ,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1024",
        "r=abcXYZ,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=100000000",
        "r=abcXYZ,s=***,i=4096",
        "r=abcXYZ,i=4096",
        "m=ext,r=abcXYZ,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        "r=abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    ])
    func badServerFirstMessagesAreRefused(_ message: String) {
        var client = SCRAMClient(mechanism: .sha256, username: "u", preparedPassword: "p", clientNonce: "abc")
        #expect(throws: SCRAMError.self) { _ = try client.clientFinalMessage(serverFirst: message) }
    }

    @Test func userNamesAreEscaped() {
        #expect(SCRAMClient.escape("a=b,c") == "a=3Db=2Cc")
        let client = SCRAMClient(mechanism: .sha256, username: "a,b", preparedPassword: "p", clientNonce: "n")
        #expect(client.clientFirstMessage == "n,,n=a=2Cb,r=n")
    }

    @Test func noncesAreRandomAndCommaFree() {
        let a = SCRAMClient.makeNonce()
        let b = SCRAMClient.makeNonce()
        #expect(a != b)
        #expect(!a.contains(","))
        #expect(a.count == 32)
    }

    @Test func saslprepLeavesASCIIAloneAndMapsTheRest() {
        #expect(SASLprep.prepare("pencil") == "pencil")
        #expect(SASLprep.prepare("I\u{00AD}X") == "IX")  // RFC 4013 example: soft hyphen mapped to nothing
        #expect(SASLprep.prepare("user") == "user")
        #expect(SASLprep.prepare("\u{00AA}") == "a")  // RFC 4013 example: NFKC
        #expect(SASLprep.prepare("\u{2168}") == "IX")  // RFC 4013 example: ROMAN NUMERAL NINE
        #expect(SASLprep.prepare("a\u{00A0}b") == "a b")  // non-ASCII space
        #expect(SASLprep.prepare("\u{0007}") == nil)  // RFC 4013 example: prohibited control character
        #expect(SASLprep.prepare("tab\there") == nil)
    }

    @Test func aProhibitedPasswordFailsWithoutEchoingIt() {
        #expect(throws: SCRAMError.self) {
            _ = try SCRAMClient(mechanism: .sha256, username: "u", password: "bad\u{0001}secret")
        }
        do {
            _ = try SCRAMClient(mechanism: .sha256, username: "u", password: "bad\u{0001}secret")
        } catch {
            #expect(!error.reason.contains("secret"))
        }
    }

    @Test func pbkdf2MatchesRFC6070() {
        // RFC 6070 test vector 2: "password" / "salt", 2 iterations, HMAC-SHA-1.
        let salted = SCRAMClient.saltedPassword(
            Insecure.SHA1.self, password: Array("password".utf8), salt: Array("salt".utf8), iterations: 2)
        #expect(salted.map { String(format: "%02x", $0) }.joined() == "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957")
    }

    @Test func pbkdf2InSwiftForOtherHashesMatchesPython() {
        // SHA-384 is not a SCRAM mechanism, so it takes the Swift loop; the value is Python's
        // `hashlib.pbkdf2_hmac('sha384', b'password', b'salt', 4096)`, cut to one block.
        let salted = SCRAMClient.saltedPassword(
            SHA384.self, password: Array("password".utf8), salt: Array("salt".utf8), iterations: 4096)
        #expect(
            salted.map { String(format: "%02x", $0) }.joined()
                == "559726be38db125bc85ed7895f6e3cf574c7a01c080c3447db1e8a76764deb3c307b94853fbe424f6488c5f4f1289626")
    }
}

@Suite struct SCRAMCostTests {
    /// mongod's default SCRAM-SHA-256 iteration count: the key must be PBKDF2-HMAC-SHA-256's, as computed
    /// independently by Python (`hashlib.pbkdf2_hmac('sha256', b'pencil', b'salt', 15000).hex()`). The
    /// time is printed, not asserted (debug builds are slow).
    @Test func pbkdf2At15000Iterations() {
        let started = ContinuousClock.now
        let salted = SCRAMClient.saltedPassword(
            SHA256.self, password: Array("pencil".utf8), salt: Array("salt".utf8), iterations: 15000)
        print("PBKDF2-HMAC-SHA-256 x 15000: \(ContinuousClock.now - started)")
        #expect(
            salted.map { String(format: "%02x", $0) }.joined()
                == "31dc9ae77fd43d51acd4c3d5f6f02e072aca880da060e053e0a4ab55a74b186a")
    }
}
