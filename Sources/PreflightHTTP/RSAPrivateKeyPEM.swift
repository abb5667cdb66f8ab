import Crypto
import PreflightCore
import _CryptoExtras

/// Reads the RSA private keys that users paste into configs, refusing the wrong kinds with messages
/// that name the field and never quote the key.
public enum RSAPrivateKeyPEM {
    /// Parses a PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1 (`BEGIN RSA PRIVATE KEY`) RSA key.
    /// The largest RSA key accepted from a payload.
    public static let maximumBits = 8192

    public static func parse(_ pem: String, field: String) throws(InvalidConfig) -> _RSA.Signing.PrivateKey {
        // Keys pasted into JSON often arrive with literal "\n" sequences instead of newlines.
        var text = pem.trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.contains("\n") && text.contains("\\n") { text = text.replacingOccurrences(of: "\\n", with: "\n") }
        if text.contains("BEGIN ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED") {
            throw InvalidConfig(
                "\(field) is an encrypted private key; give the unencrypted PKCS#8 key (openssl pkcs8 -topk8 -nocrypt)")
        }
        if text.contains("BEGIN EC PRIVATE KEY") || text.contains("BEGIN OPENSSH PRIVATE KEY")
            || text.contains("BEGIN DSA PRIVATE KEY")
        {
            throw InvalidConfig(
                "\(field) is not an RSA private key; an RSA key in PKCS#8 PEM (BEGIN PRIVATE KEY) is needed")
        }
        if text.contains("BEGIN PUBLIC KEY") || text.contains("BEGIN RSA PUBLIC KEY")
            || text.contains("BEGIN CERTIFICATE")
        {
            throw InvalidConfig(
                "\(field) holds a public key or certificate; the private key (BEGIN PRIVATE KEY) is needed")
        }
        guard text.contains("-----BEGIN PRIVATE KEY-----") || text.contains("-----BEGIN RSA PRIVATE KEY-----") else {
            throw InvalidConfig("\(field) is not a PEM private key (it should start with -----BEGIN PRIVATE KEY-----)")
        }
        // An 8192-bit key's PEM is about 6.3 KB: refuse a larger text before anything parses it, and a
        // larger key after (signing with a huge key is a way to burn the service's CPU).
        guard text.utf8.count <= 12 * 1024 else {
            throw InvalidConfig("\(field) is too large for an RSA private key of at most \(maximumBits) bits")
        }
        let key: _RSA.Signing.PrivateKey
        do { key = try _RSA.Signing.PrivateKey(unsafePEMRepresentation: text) } catch {
            throw InvalidConfig("\(field) could not be read as an RSA private key (damaged base64, or not RSA)")
        }
        guard key.keySizeInBits >= 2048 else {
            throw InvalidConfig("\(field) is a \(key.keySizeInBits)-bit RSA key; providers require at least 2048 bits")
        }
        guard key.keySizeInBits <= maximumBits else {
            throw InvalidConfig(
                "\(field) is a \(key.keySizeInBits)-bit RSA key; at most \(maximumBits) bits are accepted (providers use 2048 to 4096)"
            )
        }
        return key
    }
}
