import Crypto
import Foundation
import NIOSSH
import Testing

@testable import PreflightSSH

@Suite struct SSHKeyTests {
    @Test func parsesAnUnencryptedEd25519KeyFile() throws {
        let key = try OpenSSHPrivateKeyFile.parse(TestKeyFiles.ed25519)
        let line = String(openSSHPublicKey: key.publicKey)
        #expect(TestKeyFiles.ed25519Public.hasPrefix(line))
        #expect(SSHFingerprint.sha256(key.publicKey) == TestKeyFiles.ed25519Fingerprint)
    }

    @Test func parsesECDSAKeyFiles() throws {
        let p256 = try OpenSSHPrivateKeyFile.parse(TestKeyFiles.ecdsa256)
        #expect(String(openSSHPublicKey: p256.publicKey).hasPrefix("ecdsa-sha2-nistp256 "))
        let p384 = try OpenSSHPrivateKeyFile.parse(TestKeyFiles.ecdsa384)
        #expect(String(openSSHPublicKey: p384.publicKey).hasPrefix("ecdsa-sha2-nistp384 "))
    }

    @Test func refusesRSAWithAClearMessage() {
        #expect(
            throws: SSHKeyFileError(message: "RSA keys are not supported; use an Ed25519 key (ssh-keygen -t ed25519)")
        ) {
            try OpenSSHPrivateKeyFile.parse(TestKeyFiles.rsa)
        }
    }

    @Test func refusesPassphraseProtectedKeys() throws {
        do {
            _ = try OpenSSHPrivateKeyFile.parse(TestKeyFiles.encryptedEd25519)
            Issue.record("an encrypted key was accepted")
        } catch {
            #expect(error.message.contains("passphrase"))
        }
    }

    @Test(arguments: [
        ("", "no BEGIN OPENSSH PRIVATE KEY"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\n!!!!\n-----END OPENSSH PRIVATE KEY-----", "not valid base64"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----", "openssh-key-v1"),
        ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", "PKCS#8"),
    ])
    func rejectsMalformedFiles(text: String, expected: String) {
        do {
            _ = try OpenSSHPrivateKeyFile.parse(text)
            Issue.record("accepted a malformed key file")
        } catch {
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test func truncatedKeyFileFailsCleanly() throws {
        let body = TestKeyFiles.ed25519
            .replacingOccurrences(of: "-----BEGIN OPENSSH PRIVATE KEY-----", with: "")
            .replacingOccurrences(of: "-----END OPENSSH PRIVATE KEY-----", with: "")
            .filter { !$0.isWhitespace }
        let data = try #require(Data(base64Encoded: body))
        let cut = data.prefix(data.count / 2).base64EncodedString()
        let text = "-----BEGIN OPENSSH PRIVATE KEY-----\n\(cut)\n-----END OPENSSH PRIVATE KEY-----"
        #expect(throws: SSHKeyFileError.self) { try OpenSSHPrivateKeyFile.parse(text) }
    }

    @Test func generatedPairsRoundTripAndNameTheTunnel() throws {
        let pair = SSHKeyPair.generateEd25519(comment: "preflight-tunnel bastion prod")
        #expect(pair.authorizedKey.hasPrefix("ssh-ed25519 AAAA"))
        #expect(pair.authorizedKey.hasSuffix(" preflight-tunnelbastionprod"))
        let again = SSHKeyPair(privateKeyRaw: pair.privateKeyRaw, comment: "preflight-tunnelbastionprod")
        #expect(again.authorizedKey == pair.authorizedKey)
        let key = try pair.nioKey()
        #expect(pair.authorizedKey.hasPrefix(String(openSSHPublicKey: key.publicKey)))
        #expect(SSHFingerprint.sha256(openSSH: pair.authorizedKey) == SSHFingerprint.sha256(key.publicKey))
    }
}
