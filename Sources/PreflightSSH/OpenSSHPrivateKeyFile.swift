import Crypto
import Foundation
import NIOSSH

/// Why an OpenSSH private key file could not be used. Messages never include key material.
public struct SSHKeyFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Reads `-----BEGIN OPENSSH PRIVATE KEY-----` files (the `openssh-key-v1` format that `ssh-keygen`
/// writes) holding an unencrypted Ed25519 or ECDSA (P-256/384/521) key. Pure: text in, key out.
public enum OpenSSHPrivateKeyFile {
    public static func parse(_ text: String) throws(SSHKeyFileError) -> NIOSSHPrivateKey {
        if text.contains("BEGIN RSA PRIVATE KEY") {
            throw SSHKeyFileError(message: "RSA keys are not supported; use an Ed25519 key (ssh-keygen -t ed25519)")
        }
        if text.contains("BEGIN ENCRYPTED PRIVATE KEY") || text.contains("BEGIN EC PRIVATE KEY")
            || text.contains("BEGIN PRIVATE KEY")
        {
            throw SSHKeyFileError(
                message:
                    "this is a PEM/PKCS#8 key; give an OpenSSH key (BEGIN OPENSSH PRIVATE KEY), e.g. from ssh-keygen -t ed25519"
            )
        }
        let begin = "-----BEGIN OPENSSH PRIVATE KEY-----"
        let end = "-----END OPENSSH PRIVATE KEY-----"
        guard let start = text.range(of: begin), let stop = text.range(of: end), start.upperBound <= stop.lowerBound
        else {
            throw SSHKeyFileError(message: "not an OpenSSH private key (no BEGIN OPENSSH PRIVATE KEY block)")
        }
        let body = text[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: String(body)) else {
            throw SSHKeyFileError(message: "the OpenSSH private key is not valid base64")
        }
        var reader = SSHWireReader(Array(data))
        let magic = Array("openssh-key-v1".utf8) + [0]
        guard reader.take(magic.count) == magic else {
            throw SSHKeyFileError(message: "not an openssh-key-v1 private key")
        }
        let cipher = try reader.string()
        let kdf = try reader.string()
        _ = try reader.bytes()
        guard cipher == "none", kdf == "none" else {
            throw SSHKeyFileError(
                message:
                    "the private key is protected by a passphrase; remove it with `ssh-keygen -p -f FILE` for use here")
        }
        let count = try reader.uint32()
        guard count == 1 else {
            throw SSHKeyFileError(message: "the key file holds \(count) keys; give a file with exactly one")
        }
        _ = try reader.bytes()  // the public key blob
        var section = SSHWireReader(try reader.bytes())
        let check1 = try section.uint32()
        let check2 = try section.uint32()
        guard check1 == check2 else {
            throw SSHKeyFileError(message: "the private key file is corrupt (check bytes differ)")
        }
        let type = try section.string()
        switch type {
        case "ssh-ed25519":
            _ = try section.bytes()  // public key
            let secret = try section.bytes()  // 64 bytes: seed then public key
            guard secret.count == 64 else { throw SSHKeyFileError(message: "the Ed25519 key has the wrong length") }
            do {
                return NIOSSHPrivateKey(
                    ed25519Key: try Curve25519.Signing.PrivateKey(rawRepresentation: secret.prefix(32)))
            } catch {
                throw SSHKeyFileError(message: "the Ed25519 key is invalid")
            }
        case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521":
            _ = try section.string()  // curve name
            _ = try section.bytes()  // public point
            var scalar = try section.bytes()  // mpint: may carry a leading zero
            while scalar.first == 0, scalar.count > 1 { scalar.removeFirst() }
            do {
                switch type {
                case "ecdsa-sha2-nistp256":
                    return NIOSSHPrivateKey(
                        p256Key: try P256.Signing.PrivateKey(rawRepresentation: leftPad(scalar, to: 32)))
                case "ecdsa-sha2-nistp384":
                    return NIOSSHPrivateKey(
                        p384Key: try P384.Signing.PrivateKey(rawRepresentation: leftPad(scalar, to: 48)))
                default:
                    return NIOSSHPrivateKey(
                        p521Key: try P521.Signing.PrivateKey(rawRepresentation: leftPad(scalar, to: 66)))
                }
            } catch {
                throw SSHKeyFileError(message: "the ECDSA key is invalid")
            }
        case "ssh-rsa":
            throw SSHKeyFileError(message: "RSA keys are not supported; use an Ed25519 key (ssh-keygen -t ed25519)")
        default:
            throw SSHKeyFileError(message: "key type \(type.prefix(40)) is not supported; use an Ed25519 key")
        }
    }

    static func leftPad(_ bytes: [UInt8], to length: Int) -> [UInt8] {
        bytes.count >= length ? Array(bytes.suffix(length)) : Array(repeating: 0, count: length - bytes.count) + bytes
    }
}

/// Reads SSH wire types (RFC 4251 section 5) from bytes, failing cleanly on truncation.
struct SSHWireReader {
    private let data: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.data = bytes }

    mutating func take(_ count: Int) -> [UInt8]? {
        guard count >= 0, offset + count <= data.count else { return nil }
        defer { offset += count }
        return Array(data[offset..<offset + count])
    }

    mutating func uint32() throws(SSHKeyFileError) -> UInt32 {
        guard let raw = take(4) else { throw SSHKeyFileError(message: "the private key file is truncated") }
        return raw.reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func bytes() throws(SSHKeyFileError) -> [UInt8] {
        let length = try uint32()
        guard length < 1 << 20, let value = take(Int(length)) else {
            throw SSHKeyFileError(message: "the private key file is truncated")
        }
        return value
    }

    mutating func string() throws(SSHKeyFileError) -> String {
        String(decoding: try bytes(), as: UTF8.self)
    }
}
