import Crypto
import Foundation
import PreflightCore
import _CryptoExtras

/// Compact JSON Web Tokens: base64url, RS256 signing, and reading claims without verifying.
public enum JWT {
    /// Base64url without padding (RFC 7515 §2).
    public static func base64URL<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes base64url, with or without padding; nil when it is not base64url.
    public static func decodeBase64URL(_ text: String) -> [UInt8]? {
        guard text.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "=" }),
            text.allSatisfy(\.isASCII)
        else {
            return nil
        }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard = standard.replacingOccurrences(of: "=", with: "")
        while standard.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map(Array.init)
    }

    /// Signs `claims` with RS256 (RSASSA-PKCS1-v1_5 with SHA-256). The header gets `alg: RS256` and
    /// `typ: JWT` added to `header`; both parts are serialised with sorted keys.
    public static func signRS256(
        claims: [String: JSONValue], key: _RSA.Signing.PrivateKey, header: [String: JSONValue] = [:]
    ) throws -> String {
        var fullHeader = header
        fullHeader["alg"] = .string("RS256")
        fullHeader["typ"] = .string("JWT")
        let signingInput =
            base64URL(JSONValue.object(fullHeader).encodedBytes()) + "."
            + base64URL(JSONValue.object(claims).encodedBytes())
        let signature = try key.signature(for: Data(signingInput.utf8), padding: .insecurePKCS1v1_5)
        return signingInput + "." + base64URL(signature.rawRepresentation)
    }

    /// Checks an RS256 signature on `token` with `key` (used by test peers and for self-checks).
    public static func verifyRS256(_ token: String, key: _RSA.Signing.PublicKey) -> Bool {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let signature = decodeBase64URL(String(parts[2])) else { return false }
        let signingInput = Data("\(parts[0]).\(parts[1])".utf8)
        return key.isValidSignature(
            _RSA.Signing.RSASignature(rawRepresentation: signature), for: signingInput, padding: .insecurePKCS1v1_5)
    }

    /// The header of a compact JWT, unverified; nil when malformed.
    public static func unverifiedHeader(_ token: String) -> [String: JSONValue]? {
        part(0, of: token)
    }

    /// The claims of a compact JWT, unverified; nil when malformed.
    public static func unverifiedClaims(_ token: String) -> [String: JSONValue]? {
        part(1, of: token)
    }

    private static func part(_ index: Int, of token: String) -> [String: JSONValue]? {
        let parts = token.trimmingCharacters(in: .whitespacesAndNewlines).split(
            separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let bytes = decodeBase64URL(String(parts[index])) else { return nil }
        return JSONValue.parse(bytes)?.objectValue
    }
}
