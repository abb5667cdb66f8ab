import Crypto
import Foundation
import _CryptoExtras

/// Oracle's O5LOGON password login, both halves (the client's here; the tests' scripted server uses
/// the same derivations as a real server does). Pure: randomness is passed in.
///
/// The server keeps a verifier derived from the password and a salt (`AUTH_VFR_DATA`):
/// - 11g (`0xB152`/`0x1B25`): SHA-1(password ‖ salt), padded with 4 zero bytes to an AES-192 key;
/// - 12c (`0x4815`): PBKDF2-SHA512(password, salt ‖ "AUTH_PBKDF2_SPEEDY_KEY", 64 bytes,
///   `AUTH_PBKDF2_VGEN_COUNT` rounds) = the "speedy key", and SHA-512(speedy key ‖ salt)'s first 32
///   bytes as an AES-256 key.
///
/// Both sides hold that key. The server sends its half of a session key encrypted with it
/// (`AUTH_SESSKEY`, AES-CBC, zero IV, no padding: 48 bytes for 11g, 32 for 12c); the client answers
/// with its own half encrypted the same way. Both halves make the combined key (11g: MD5 of bytes
/// 16-39 of their XOR; 12c: PBKDF2-SHA512 of the halves' hex with `AUTH_PBKDF2_CSK_SALT`,
/// `AUTH_PBKDF2_SDER_COUNT` rounds), which encrypts the password (16 random bytes first, PKCS#7
/// padding) and, for 12c, the speedy key. The server proves it held the verifier by sending
/// `AUTH_SVR_RESPONSE`: 16 random bytes then "SERVER_TO_CLIENT", encrypted with the combined key.
public enum O5Logon {
    /// The verifier types the login meets (the flags of `AUTH_VFR_DATA`).
    public static let verifier10g: UInt32 = 0x939
    public static let verifier11g: UInt32 = 0xB152
    public static let verifier11gAlternative: UInt32 = 0x1B25
    public static let verifier12c: UInt32 = 0x4815

    /// The most PBKDF2 rounds accepted from a server (Oracle's defaults are 4096 and 3): more is a
    /// server making the client burn CPU, not a login.
    public static let maxRounds = 1_000_000

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case missing(String)
        case malformed(String)

        public var description: String {
            switch self {
            case .missing(let key): "the server's login challenge has no \(key)"
            case .malformed(let text): text
            }
        }
    }

    /// What the server's first answer carries.
    public struct Challenge: Sendable, Equatable {
        public var verifierType: UInt32
        /// `AUTH_VFR_DATA`: the verifier's salt.
        public var salt: [UInt8]
        /// `AUTH_SESSKEY`: the server's half of the session key, encrypted with the verifier key.
        public var encryptedServerKey: [UInt8]
        public var vgenCount: Int
        public var cskSalt: [UInt8]
        public var sderCount: Int

        public init(
            verifierType: UInt32, salt: [UInt8], encryptedServerKey: [UInt8], vgenCount: Int = 0,
            cskSalt: [UInt8] = [], sderCount: Int = 0
        ) {
            self.verifierType = verifierType
            self.salt = salt
            self.encryptedServerKey = encryptedServerKey
            self.vgenCount = vgenCount
            self.cskSalt = cskSalt
            self.sderCount = sderCount
        }

        public var is12c: Bool { verifierType == O5Logon.verifier12c }

        /// Reads the key-values of the server's answer to AUTH phase one.
        public init(_ values: [String: String], verifierType: UInt32) throws(Failure) {
            func hex(_ key: String) throws(Failure) -> [UInt8] {
                guard let text = values[key] else { throw .missing(key) }
                guard let bytes = O5Logon.bytes(hex: text) else { throw .malformed("\(key) is not hexadecimal") }
                return bytes
            }
            func count(_ key: String) throws(Failure) -> Int {
                guard let text = values[key] else { throw .missing(key) }
                guard let value = Int(text), (1...O5Logon.maxRounds).contains(value) else {
                    throw .malformed("\(key) is \(text.prefix(20)), not a round count from 1 to \(O5Logon.maxRounds)")
                }
                return value
            }
            self.verifierType = verifierType
            salt = try hex("AUTH_VFR_DATA")
            encryptedServerKey = try hex("AUTH_SESSKEY")
            if verifierType == O5Logon.verifier12c {
                vgenCount = try count("AUTH_PBKDF2_VGEN_COUNT")
                cskSalt = try hex("AUTH_PBKDF2_CSK_SALT")
                sderCount = try count("AUTH_PBKDF2_SDER_COUNT")
                guard encryptedServerKey.count == 32 else {
                    throw .malformed("AUTH_SESSKEY is \(encryptedServerKey.count) bytes, not 32 (12c verifier)")
                }
            } else {
                vgenCount = 0
                cskSalt = []
                sderCount = 0
                guard encryptedServerKey.count == 48 else {
                    throw .malformed("AUTH_SESSKEY is \(encryptedServerKey.count) bytes, not 48 (11g verifier)")
                }
            }
        }
    }

    /// The verifier key (and, for 12c, the speedy key) for `password`.
    public static func verifierKey(password: [UInt8], challenge: Challenge) throws(Failure) -> (
        key: [UInt8], speedyKey: [UInt8]?
    ) {
        if challenge.is12c {
            let speedy = try pbkdf2(
                password, salt: challenge.salt + Array("AUTH_PBKDF2_SPEEDY_KEY".utf8), count: 64,
                rounds: challenge.vgenCount)
            let hash = Array(SHA512.hash(data: speedy + challenge.salt))
            return (Array(hash.prefix(32)), speedy)
        }
        return (Array(Insecure.SHA1.hash(data: password + challenge.salt)) + [0, 0, 0, 0], nil)
    }

    /// The combined key from both halves of the session key.
    public static func combinedKey(serverHalf: [UInt8], clientHalf: [UInt8], challenge: Challenge) throws(Failure)
        -> [UInt8]
    {
        if challenge.is12c {
            let text = hex(Array(clientHalf.prefix(32)) + Array(serverHalf.prefix(32)))
            return try pbkdf2(Array(text.utf8), salt: challenge.cskSalt, count: 32, rounds: challenge.sderCount)
        }
        guard serverHalf.count >= 40, clientHalf.count >= 40 else {
            throw .malformed("a session key half shorter than 40 bytes")
        }
        let mixed = (16..<40).map { serverHalf[$0] ^ clientHalf[$0] }
        let first = Array(Insecure.MD5.hash(data: mixed[0..<16]))
        let second = Array(Insecure.MD5.hash(data: mixed[16..<24]))
        return Array((first + second).prefix(24))
    }

    /// What the client sends in AUTH phase two.
    public struct Answer: Sendable, Equatable {
        /// `AUTH_SESSKEY`: the client's half, encrypted with the verifier key, in upper-case hex.
        public var sessionKey: String
        /// `AUTH_PASSWORD`: the password encrypted with the combined key, in upper-case hex.
        public var password: String
        /// `AUTH_PBKDF2_SPEEDY_KEY` (12c only).
        public var speedyKey: String?
        /// Kept to check the server's `AUTH_SVR_RESPONSE`; never shown.
        public var combinedKey: [UInt8]
    }

    /// The client's answer to `challenge` for `password`; `random(n)` gives n random bytes.
    public static func answer(
        password: [UInt8], challenge: Challenge, random: (Int) -> [UInt8] = O5Logon.systemRandom
    ) throws(Failure) -> Answer {
        let (key, speedy) = try verifierKey(password: password, challenge: challenge)
        let serverHalf = try decrypt(challenge.encryptedServerKey, key: key)
        let clientHalf = random(serverHalf.count)
        let encryptedClientHalf = try encrypt(clientHalf, key: key, padded: false)
        let combined = try combinedKey(serverHalf: serverHalf, clientHalf: clientHalf, challenge: challenge)
        let encryptedPassword = try encrypt(random(16) + password, key: combined, padded: true)
        var speedyText: String?
        if let speedy {
            speedyText = hex(Array(try encrypt(random(16) + speedy, key: combined, padded: true).prefix(80)))
        }
        return Answer(
            sessionKey: hex(encryptedClientHalf), password: hex(encryptedPassword), speedyKey: speedyText,
            combinedKey: combined)
    }

    /// Whether `AUTH_SVR_RESPONSE` proves the server derived the same combined key.
    public static func serverProves(_ response: String?, combinedKey: [UInt8]) -> Bool {
        guard let response, let bytes = bytes(hex: response), bytes.count >= 32, bytes.count % 16 == 0,
            let plain = try? decrypt(bytes, key: combinedKey)
        else { return false }
        return Array(plain[16..<32]) == Array("SERVER_TO_CLIENT".utf8)
    }

    // MARK: Primitives

    /// AES-CBC with a zero IV; `padded` adds PKCS#7 padding (a whole block when already aligned).
    public static func encrypt(_ plain: [UInt8], key: [UInt8], padded: Bool) throws(Failure) -> [UInt8] {
        guard padded || plain.count % 16 == 0 else { throw .malformed("unpadded AES input of \(plain.count) bytes") }
        do {
            return Array(
                try AES._CBC.encrypt(
                    plain, using: SymmetricKey(data: key),
                    iv: try AES._CBC.IV(ivBytes: [UInt8](repeating: 0, count: 16)),
                    noPadding: !padded))
        } catch {
            throw .malformed("AES encryption failed (\(key.count)-byte key)")
        }
    }

    /// AES-CBC with a zero IV, without removing any padding.
    public static func decrypt(_ cipher: [UInt8], key: [UInt8]) throws(Failure) -> [UInt8] {
        guard !cipher.isEmpty, cipher.count % 16 == 0 else {
            throw .malformed("an encrypted value of \(cipher.count) bytes (not whole AES blocks)")
        }
        do {
            return Array(
                try AES._CBC.decrypt(
                    cipher, using: SymmetricKey(data: key),
                    iv: try AES._CBC.IV(ivBytes: [UInt8](repeating: 0, count: 16)),
                    noPadding: true))
        } catch {
            throw .malformed("AES decryption failed (\(key.count)-byte key)")
        }
    }

    public static func pbkdf2(_ password: [UInt8], salt: [UInt8], count: Int, rounds: Int) throws(Failure) -> [UInt8] {
        guard (1...maxRounds).contains(rounds) else { throw .malformed("\(rounds) PBKDF2 rounds") }
        do {
            let key = try KDF.Insecure.PBKDF2.deriveKey(
                from: password, salt: salt, using: .sha512, outputByteCount: count, unsafeUncheckedRounds: rounds)
            return key.withUnsafeBytes { Array($0) }
        } catch {
            throw .malformed("PBKDF2 failed")
        }
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func bytes(hex text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x41...0x46: c - 0x37
            case 0x61...0x66: c - 0x57
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var index = 0
        while index < chars.count {
            guard let high = nibble(chars[index]), let low = nibble(chars[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    public static func systemRandom(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
