import Crypto
import Foundation
import _CryptoExtras

/// The client side of every auth plugin Preflight speaks. Pure.
public enum MySQLScramble {
    /// `mysql_native_password`: SHA1(password) XOR SHA1(nonce + SHA1(SHA1(password))); empty for an empty password.
    public static func nativePassword(_ password: [UInt8], nonce: [UInt8]) -> [UInt8] {
        guard !password.isEmpty else { return [] }
        let stage1 = Array(Insecure.SHA1.hash(data: password))
        let stage2 = Array(Insecure.SHA1.hash(data: stage1))
        var hasher = Insecure.SHA1()
        hasher.update(data: Array(nonce.prefix(20)))
        hasher.update(data: stage2)
        let mix = Array(hasher.finalize())
        return zip(stage1, mix).map { $0 ^ $1 }
    }

    /// `caching_sha2_password` fast path: SHA256(password) XOR SHA256(SHA256(SHA256(password)) + nonce).
    public static func cachingSHA2(_ password: [UInt8], nonce: [UInt8]) -> [UInt8] {
        guard !password.isEmpty else { return [] }
        let stage1 = Array(SHA256.hash(data: password))
        let stage2 = Array(SHA256.hash(data: stage1))
        var hasher = SHA256()
        hasher.update(data: stage2)
        hasher.update(data: Array(nonce.prefix(20)))
        let mix = Array(hasher.finalize())
        return zip(stage1, mix).map { $0 ^ $1 }
    }

    /// MariaDB's `client_ed25519`: the Ed25519 signature of the 32-byte nonce with the key derived from SHA-512(password).
    public static func ed25519(_ password: [UInt8], nonce: [UInt8]) -> [UInt8] {
        Ed25519.sign(nonce, expandedSecret: Ed25519.sha512(password))
    }

    /// The public key MariaDB stores for an ed25519 account (`ed25519_password('...')` is its unpadded base64).
    public static func ed25519PublicKey(_ password: [UInt8]) -> [UInt8] {
        Ed25519.publicKey(expandedSecret: Ed25519.sha512(password))
    }

    /// The password with a NUL, XOR-ed with the nonce repeated: what full authentication encrypts.
    public static func xorWithNonce(_ password: [UInt8], nonce: [UInt8]) -> [UInt8] {
        let plain = password + [0]
        guard !nonce.isEmpty else { return plain }
        return plain.enumerated().map { $0.element ^ nonce[$0.offset % nonce.count] }
    }

    /// Why a server's RSA public key could not be used.
    public struct PublicKeyProblem: Error, Sendable, Equatable {
        public var reason: String
    }

    /// Full authentication without TLS (`caching_sha2_password`, `sha256_password`): the password XOR-ed with
    /// the nonce, encrypted with the server's RSA public key under RSA-OAEP (SHA-1, as the server decrypts).
    public static func rsaEncryptedPassword(_ password: [UInt8], nonce: [UInt8], publicKeyPEM: String)
        throws(PublicKeyProblem) -> [UInt8]
    {
        let key: _RSA.Encryption.PublicKey
        do {
            key = try _RSA.Encryption.PublicKey(
                unsafePEMRepresentation: publicKeyPEM.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            throw PublicKeyProblem(
                reason: "it is not a readable RSA public key in PEM form (-----BEGIN PUBLIC KEY-----)")
        }
        let plain = xorWithNonce(password, nonce: Array(nonce.prefix(20)))
        guard plain.count <= key.maximumEncryptSize(with: .PKCS1_OAEP) else {
            throw PublicKeyProblem(reason: "the password is too long for the server's \(key.keySizeInBits)-bit RSA key")
        }
        do {
            return Array(try key.encrypt(plain, padding: .PKCS1_OAEP))
        } catch {
            throw PublicKeyProblem(reason: "RSA encryption failed: \(error)")
        }
    }
}
