import Crypto
import Foundation
import NIOSSH

/// A key pair the service generates for a tunnel: the private half stays in the service, the public half
/// goes into the bastion's `authorized_keys`.
public struct SSHKeyPair: Sendable {
    /// The raw 32-byte Ed25519 seed (encrypt it before storing it).
    public let privateKeyRaw: Data
    /// `ssh-ed25519 AAAA... comment`, ready for `authorized_keys`.
    public let authorizedKey: String

    /// Generates a new Ed25519 pair whose public key carries `comment` (e.g. "preflight-tunnel-bastion-prod").
    public static func generateEd25519(comment: String) -> SSHKeyPair {
        let key = Curve25519.Signing.PrivateKey()
        return SSHKeyPair(privateKeyRaw: key.rawRepresentation, comment: comment)
    }

    /// Rebuilds a pair from the stored seed.
    public init(privateKeyRaw: Data, comment: String) {
        self.privateKeyRaw = privateKeyRaw
        let key =
            (try? Curve25519.Signing.PrivateKey(rawRepresentation: privateKeyRaw)) ?? Curve25519.Signing.PrivateKey()
        let openSSH = String(openSSHPublicKey: NIOSSHPrivateKey(ed25519Key: key).publicKey)
        let safeComment = comment.filter { !$0.isWhitespace && !$0.isNewline }
        self.authorizedKey = safeComment.isEmpty ? openSSH : "\(openSSH) \(safeComment)"
    }

    /// The key for NIOSSH.
    public func nioKey() throws -> NIOSSHPrivateKey {
        NIOSSHPrivateKey(ed25519Key: try Curve25519.Signing.PrivateKey(rawRepresentation: privateKeyRaw))
    }
}

/// OpenSSH-style fingerprints of public keys: `SHA256:` and unpadded base64 of the key blob's digest.
public enum SSHFingerprint {
    /// The fingerprint `ssh-keygen -l` prints for the same key.
    public static func sha256(_ key: NIOSSHPublicKey) -> String {
        sha256(openSSH: String(openSSHPublicKey: key)) ?? "SHA256:?"
    }

    /// The fingerprint of an `authorized_keys`-style line ("ssh-ed25519 AAAA... comment").
    public static func sha256(openSSH line: String) -> String? {
        let fields = line.split(separator: " ")
        guard fields.count >= 2, let blob = Data(base64Encoded: String(fields[1])) else { return nil }
        let digest = Data(SHA256.hash(data: blob)).base64EncodedString()
        return "SHA256:" + digest.replacingOccurrences(of: "=", with: "")
    }

    /// Whether `text` is a fingerprint as `ssh-keygen -l` prints it: `SHA256:` and 43 base64 characters
    /// (an optional `=` pad). The form `openapi.yaml` declares for `hostKeyFingerprint`.
    public static func isWellFormed(_ text: String) -> Bool {
        (try? #/SHA256:[A-Za-z0-9+\/]{43}=?/#.wholeMatch(in: text)) != nil
    }
}
