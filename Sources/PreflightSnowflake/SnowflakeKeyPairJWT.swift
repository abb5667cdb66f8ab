import Crypto
import Foundation
import PreflightCore
import PreflightHTTP
import _CryptoExtras

/// Snowflake's key-pair JWT: RS256, `iss` = `<ACCOUNT>.<USER>.SHA256:<fingerprint>`, `sub` =
/// `<ACCOUNT>.<USER>`, `iat`, and `exp` at most an hour later. Pure apart from the signature.
public enum SnowflakeKeyPairJWT {
    /// How long the token is valid; Snowflake refuses more than an hour. A ping uses it at once, the
    /// margin only absorbs a client clock running slow.
    public static let lifetimeSeconds = 59 * 60

    /// `SHA256:` and the base64 (standard, padded) SHA-256 of the public key's DER SubjectPublicKeyInfo:
    /// what `DESC USER` shows as RSA_PUBLIC_KEY_FP.
    public static func fingerprint(of publicKey: _RSA.Signing.PublicKey) -> String {
        fingerprint(ofSubjectPublicKeyInfo: Array(publicKey.derRepresentation))
    }

    /// The fingerprint of a DER SubjectPublicKeyInfo.
    public static func fingerprint(ofSubjectPublicKeyInfo der: [UInt8]) -> String {
        "SHA256:" + Data(SHA256.hash(data: der)).base64EncodedString()
    }

    /// `<ACCOUNT>.<USER>`
    public static func subject(account: String, user: String) -> String {
        "\(account.uppercased()).\(user.uppercased())"
    }

    /// The claims for `account` (already without region) and `user`, issued at `issuedAt` (Unix seconds).
    public static func claims(account: String, user: String, fingerprint: String, issuedAt: Int) -> [String: JSONValue]
    {
        let subject = subject(account: account, user: user)
        return [
            "iss": .string("\(subject).\(fingerprint)"),
            "sub": .string(subject),
            "iat": .number(Double(issuedAt)),
            "exp": .number(Double(issuedAt + lifetimeSeconds)),
        ]
    }

    /// A signed token for `account` and `user`.
    public static func token(account: String, user: String, key: _RSA.Signing.PrivateKey, issuedAt: Int) throws
        -> String
    {
        let claims = claims(
            account: account, user: user, fingerprint: fingerprint(of: key.publicKey), issuedAt: issuedAt)
        return try JWT.signRS256(claims: claims, key: key)
    }
}
