import Crypto
import Foundation
import Testing
import _CryptoExtras

@testable import PreflightMySQL

/// Every auth plugin's client computation against published examples.
struct MySQLScrambleTests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }
    static let secret = Array("secret".utf8)

    // go-sql-driver/mysql auth_test.go, TestAuthFastNativePassword.
    @Test func nativePasswordMatchesPublishedExample() {
        let nonce: [UInt8] = [70, 114, 92, 94, 1, 38, 11, 116, 63, 114, 23, 101, 126, 103, 26, 95, 81, 17, 24, 21]
        #expect(
            MySQLScramble.nativePassword(Self.secret, nonce: nonce)
                == [53, 177, 140, 159, 251, 189, 127, 53, 109, 252, 172, 50, 211, 192, 240, 164, 26, 48, 207, 45])
        #expect(MySQLScramble.nativePassword([], nonce: nonce) == [])
    }

    // The server's check: SHA1(reply XOR SHA1(nonce + stored)) == stored, with MySQL's documented
    // PASSWORD('password') = *2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19.
    @Test func nativePasswordVerifiesAgainstTheStoredHash() {
        let stored = Self.bytes("2470c0c06dee42fd1618bb99005adca2ec9d1e19")
        let nonce = (1...20).map { UInt8($0) }
        let reply = MySQLScramble.nativePassword(Array("password".utf8), nonce: nonce)
        let mix = Array(Insecure.SHA1.hash(data: nonce + stored))
        let stage1 = zip(reply, mix).map { $0 ^ $1 }
        #expect(Array(Insecure.SHA1.hash(data: stage1)) == stored)
    }

    // go-sql-driver/mysql auth_test.go, TestScrambleSHA256Pass and TestAuthFastCachingSHA256PasswordCached.
    @Test func cachingSHA2MatchesPublishedExamples() {
        let nonce: [UInt8] = [10, 47, 74, 111, 75, 73, 34, 48, 88, 76, 114, 74, 37, 13, 3, 80, 82, 2, 23, 21]
        #expect(
            Self.hex(MySQLScramble.cachingSHA2(Self.secret, nonce: nonce))
                == "f490e76f66d9d86665ce54d98c78d0acfe2fb0b08b423da807144873d30b312c")
        #expect(
            Self.hex(MySQLScramble.cachingSHA2(Array("secret2".utf8), nonce: nonce))
                == "abc3934a012cf342e876071c8ee202de51785b430258a7a0138bc79c4d800bc6")
        let other: [UInt8] = [90, 105, 74, 126, 30, 48, 37, 56, 3, 23, 115, 127, 69, 22, 41, 84, 32, 123, 43, 118]
        #expect(
            MySQLScramble.cachingSHA2(Self.secret, nonce: other) == [
                102, 32, 5, 35, 143, 161, 140, 241, 171, 232, 56, 139, 43, 14, 107, 196, 249, 170, 147, 60, 220, 204,
                120, 178, 214, 15, 184, 150, 26, 61, 57, 235,
            ])
        #expect(MySQLScramble.cachingSHA2([], nonce: nonce) == [])
    }

    // MariaDB's documentation: ed25519_password("secret") = ZIgUREUg5PVgQ6LskhXmO+eZLS0nC8be6HPjYWR4YJY
    // (also what this project's MariaDB 10.11 answers), and ed25519_password('foo') from the same server.
    @Test func ed25519PublicKeyMatchesMariaDB() {
        func stored(_ password: String) -> String {
            Data(MySQLScramble.ed25519PublicKey(Array(password.utf8))).base64EncodedString().replacingOccurrences(
                of: "=", with: "")
        }
        #expect(stored("secret") == "ZIgUREUg5PVgQ6LskhXmO+eZLS0nC8be6HPjYWR4YJY")
        #expect(stored("foo") == "vubFBzIrapbfHct1/J72dnUryz5VS7lA6XHH8sIx4TI")
    }

    // RFC 8032 §7.1, TEST 1: the signing core with h = SHA-512(seed).
    @Test func ed25519SigningMatchesRFC8032() {
        let seed = Self.bytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        let expanded = Array(SHA512.hash(data: seed))
        #expect(
            Self.hex(Ed25519.publicKey(expandedSecret: expanded))
                == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        #expect(
            Self.hex(Ed25519.sign([], expandedSecret: expanded))
                == "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        )
    }

    // The same core agrees with swift-crypto's Ed25519 for random seeds and messages (keys equal, signatures verify).
    @Test func ed25519AgreesWithSwiftCrypto() throws {
        for length in [0, 1, 32, 100] {
            let seed = (0..<32).map { _ in UInt8.random(in: 0...255) }
            let message = (0..<length).map { _ in UInt8.random(in: 0...255) }
            let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
            let expanded = Array(SHA512.hash(data: seed))
            #expect(Ed25519.publicKey(expandedSecret: expanded) == Array(key.publicKey.rawRepresentation))
            let signature = Ed25519.sign(message, expandedSecret: expanded)
            #expect(key.publicKey.isValidSignature(signature, for: message))
        }
    }

    // client_ed25519: a signature of the 32-byte nonce under the key MariaDB stores for the password.
    @Test func ed25519ReplyVerifiesUnderTheStoredKey() throws {
        let nonce = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let reply = MySQLScramble.ed25519(Self.secret, nonce: nonce)
        #expect(reply.count == 64)
        let stored = try Curve25519.Signing.PublicKey(rawRepresentation: MySQLScramble.ed25519PublicKey(Self.secret))
        #expect(stored.isValidSignature(reply, for: nonce))
        #expect(!stored.isValidSignature(MySQLScramble.ed25519(Array("Secret".utf8), nonce: nonce), for: nonce))
    }

    @Test func xorWithNonceRepeatsTheNonce() {
        #expect(MySQLScramble.xorWithNonce([0x41, 0x42, 0x43], nonce: [0x01, 0x02]) == [0x40, 0x40, 0x42, 0x02])
    }

    // Full authentication: the server decrypts with its private key (OAEP) and XORs with the nonce.
    @Test func rsaEncryptedPasswordDecryptsToPasswordXorNonce() throws {
        let key = try _RSA.Encryption.PrivateKey(keySize: .bits2048)
        let nonce = (1...20).map { UInt8($0 * 3) }
        let encrypted = try MySQLScramble.rsaEncryptedPassword(
            Self.secret, nonce: nonce, publicKeyPEM: key.publicKey.pemRepresentation)
        #expect(encrypted.count == 256)
        let plain = Array(try key.decrypt(encrypted, padding: .PKCS1_OAEP))
        #expect(plain == MySQLScramble.xorWithNonce(Self.secret, nonce: nonce))
        #expect(throws: MySQLScramble.PublicKeyProblem.self) {
            try MySQLScramble.rsaEncryptedPassword(
                Self.secret, nonce: nonce, publicKeyPEM: "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----")
        }
    }
}
