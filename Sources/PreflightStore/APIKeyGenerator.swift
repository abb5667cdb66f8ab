import Crypto
import Foundation

/// Makes, checks and hashes API keys of the form `arsk_` + 40 URL-safe random characters.
///
/// The 40 characters are drawn uniformly from `A-Z a-z 0-9 - _` (6 bits each, 240 bits in all) with the
/// system's cryptographically secure generator. Only ``hash(_:)`` of a key is ever stored.
public enum APIKeyGenerator {
    /// Every key starts with this.
    public static let scheme = "arsk_"
    /// How many random characters follow ``scheme``.
    public static let randomLength = 40
    /// The total length of a key.
    public static let keyLength = scheme.count + randomLength
    /// How many leading characters of a key are kept for display.
    public static let displayPrefixLength = 12

    /// The URL-safe alphabet the random part is drawn from.
    static let alphabet: [Character] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    /// For each byte value, whether it is in ``alphabet`` (the check reads bytes, not Characters: it runs per request).
    private static let alphabetBytes: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for character in alphabet { table[Int(character.asciiValue!)] = true }
        return table
    }()

    /// A new random key, from the system's secure random number generator.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    /// A new key drawn from `generator` (tests may pass a seeded one).
    public static func generate<G: RandomNumberGenerator>(using generator: inout G) -> String {
        var key = scheme
        key.reserveCapacity(keyLength)
        for _ in 0..<randomLength {
            // `randomElement(using:)` picks uniformly (no modulo bias).
            key.append(alphabet.randomElement(using: &generator)!)
        }
        return key
    }

    /// Whether `key` has the shape of a key: ``scheme`` followed by exactly ``randomLength`` alphabet characters.
    public static func isWellFormed(_ key: String) -> Bool {
        let bytes = key.utf8
        guard bytes.count == keyLength, bytes.starts(with: scheme.utf8) else { return false }
        return bytes.dropFirst(scheme.utf8.count).allSatisfy { alphabetBytes[Int($0)] }
    }

    /// The part of a key that is stored and may be shown: its first ``displayPrefixLength`` characters.
    public static func displayPrefix(of key: String) -> String {
        String(key.prefix(displayPrefixLength))
    }

    /// The lowercase hex SHA-256 of the key's UTF-8 bytes: what the store keeps instead of the key.
    public static func hash(_ key: String) -> String {
        let digest = SHA256.hash(data: Array(key.utf8))
        let hexDigits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(SHA256.byteCount * 2)
        for byte in digest {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}
