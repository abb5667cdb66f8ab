import Crypto
import PreflightMySQL
import Testing
import _CryptoExtras

/// The auth state machine, one server packet at a time.
struct MySQLAuthenticatorTests {
    static let nonce = (1...20).map { UInt8($0 + 40) }
    static let ok: [UInt8] = [0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00]
    static let secret = Array("secret".utf8)

    static func authSwitch(_ plugin: String, _ nonce: [UInt8]) -> [UInt8] {
        [0xFE] + Array(plugin.utf8) + [0] + nonce + [0]
    }

    @Test func nativePasswordThenOK() throws {
        var auth = MySQLAuthenticator(
            password: "secret", serverPlugin: "mysql_native_password", nonce: Self.nonce, secure: false)
        let initial = try auth.initialResponse().get()
        #expect(initial.plugin == "mysql_native_password")
        #expect(initial.data == MySQLScramble.nativePassword(Self.secret, nonce: Self.nonce))
        #expect(auth.handle(Self.ok) == .authenticated)
        #expect(auth.pluginsUsed == ["mysql_native_password"])
    }

    @Test func errorPacketEndsIt() throws {
        var auth = MySQLAuthenticator(
            password: "bad", serverPlugin: "mysql_native_password", nonce: Self.nonce, secure: false)
        _ = try auth.initialResponse().get()
        let error = MySQLServerError(
            code: 1045, sqlState: "28000", message: "Access denied for user 'u'@'10.0.0.1' (using password: YES)")
        #expect(auth.handle(error.encoded()) == .failed(.server(error)))
        #expect(auth.handle(Self.ok) == .failed(.unexpected("a packet after authentication ended")))
    }

    @Test func cachingSHA2FastPath() throws {
        var auth = MySQLAuthenticator(
            password: "secret", serverPlugin: "caching_sha2_password", nonce: Self.nonce, secure: false)
        let initial = try auth.initialResponse().get()
        #expect(initial.data == MySQLScramble.cachingSHA2(Self.secret, nonce: Self.nonce))
        #expect(auth.handle([0x01, 0x03]) == .wait)
        #expect(auth.handle(Self.ok) == .authenticated)
        #expect(auth.notes.contains { $0.contains("fast authentication") })
    }

    @Test func cachingSHA2FullAuthOverTLSSendsThePasswordInClear() throws {
        var auth = MySQLAuthenticator(
            password: "secret", serverPlugin: "caching_sha2_password", nonce: Self.nonce, secure: true)
        _ = try auth.initialResponse().get()
        #expect(auth.handle([0x01, 0x04]) == .send(Self.secret + [0]))
        #expect(auth.handle(Self.ok) == .authenticated)
    }

    @Test func cachingSHA2FullAuthRequestsTheKeyThenEncrypts() throws {
        let key = try _RSA.Encryption.PrivateKey(keySize: .bits2048)
        var auth = MySQLAuthenticator(
            password: "secret", serverPlugin: "caching_sha2_password", nonce: Self.nonce, secure: false)
        _ = try auth.initialResponse().get()
        // Perform full authentication -> ask for the public key (0x02).
        #expect(auth.handle([0x01, 0x04]) == .send([0x02]))
        // The key arrives as AuthMoreData; the reply is RSA-OAEP(password XOR nonce).
        guard case .send(let encrypted) = auth.handle([0x01] + Array(key.publicKey.pemRepresentation.utf8)) else {
            Issue.record("expected the encrypted password")
            return
        }
        #expect(
            Array(try key.decrypt(encrypted, padding: .PKCS1_OAEP))
                == MySQLScramble.xorWithNonce(Self.secret, nonce: Self.nonce))
        #expect(auth.handle(Self.ok) == .authenticated)
        #expect(auth.notes.contains { $0.contains("requested from the server") })
    }

    @Test func cachingSHA2FullAuthWithASuppliedKeyDoesNotAsk() throws {
        let key = try _RSA.Encryption.PrivateKey(keySize: .bits2048)
        var auth = MySQLAuthenticator(
            password: "secret", serverPlugin: "caching_sha2_password", nonce: Self.nonce, secure: false,
            serverPublicKeyPEM: key.publicKey.pemRepresentation)
        _ = try auth.initialResponse().get()
        guard case .send(let encrypted) = auth.handle([0x01, 0x04]) else {
            Issue.record("expected the encrypted password at once")
            return
        }
        #expect(encrypted.count == 256)
        #expect(
            Array(try key.decrypt(encrypted, padding: .PKCS1_OAEP))
                == MySQLScramble.xorWithNonce(Self.secret, nonce: Self.nonce))
    }

    @Test func cachingSHA2WithAnUnusableServerKeyFails() throws {
        var auth = MySQLAuthenticator(
            password: "secret", serverPlugin: "caching_sha2_password", nonce: Self.nonce, secure: false)
        _ = try auth.initialResponse().get()
        #expect(auth.handle([0x01, 0x04]) == .send([0x02]))
        guard case .failed(.publicKeyUnusable) = auth.handle([0x01] + Array("not a key".utf8)) else {
            Issue.record("expected publicKeyUnusable")
            return
        }
    }

    @Test func emptyPasswordSendsNothingAndExpectsOK() throws {
        var auth = MySQLAuthenticator(
            password: nil, serverPlugin: "caching_sha2_password", nonce: Self.nonce, secure: false)
        #expect(try auth.initialResponse().get().data == [])
        #expect(auth.handle(Self.ok) == .authenticated)
    }

    @Test func authSwitchToEd25519SignsTheNewNonce() throws {
        var auth = MySQLAuthenticator(
            password: "secret", serverPlugin: "mysql_native_password", nonce: Self.nonce, secure: false)
        _ = try auth.initialResponse().get()
        let edNonce = (0..<32).map { UInt8($0 * 7 & 0x7F) | 1 }
        guard case .send(let signature) = auth.handle(Self.authSwitch("client_ed25519", edNonce)) else {
            Issue.record("expected a signature")
            return
        }
        let stored = try Curve25519.Signing.PublicKey(rawRepresentation: MySQLScramble.ed25519PublicKey(Self.secret))
        #expect(stored.isValidSignature(signature, for: edNonce))
        #expect(auth.handle(Self.ok) == .authenticated)
        #expect(auth.pluginsUsed == ["mysql_native_password", "client_ed25519"])
    }

    @Test func authSwitchToNativeUsesTheNewNonce() throws {
        var auth = MySQLAuthenticator(
            password: "secret", serverPlugin: "caching_sha2_password", nonce: Self.nonce, secure: false)
        _ = try auth.initialResponse().get()
        let fresh = (1...20).map { UInt8($0 + 80) }
        #expect(
            auth.handle(Self.authSwitch("mysql_native_password", fresh))
                == .send(MySQLScramble.nativePassword(Self.secret, nonce: fresh)))
        #expect(auth.handle(Self.ok) == .authenticated)
    }

    @Test func clearPasswordOnlyOverTLS() throws {
        var plain = MySQLAuthenticator(
            password: "secret", serverPlugin: "mysql_native_password", nonce: Self.nonce, secure: false)
        _ = try plain.initialResponse().get()
        #expect(
            plain.handle(Self.authSwitch("mysql_clear_password", []))
                == .failed(.cleartextRequiresTLS("mysql_clear_password")))

        var tls = MySQLAuthenticator(
            password: "secret", serverPlugin: "mysql_native_password", nonce: Self.nonce, secure: true)
        _ = try tls.initialResponse().get()
        #expect(tls.handle(Self.authSwitch("mysql_clear_password", [])) == .send(Self.secret + [0]))
        #expect(tls.handle(Self.ok) == .authenticated)

        var initial = MySQLAuthenticator(
            password: "secret", serverPlugin: "mysql_clear_password", nonce: Self.nonce, secure: false)
        #expect(throws: MySQLAuthenticator.Failure.cleartextRequiresTLS("mysql_clear_password")) {
            try initial.initialResponse().get()
        }
    }

    @Test func unknownDefaultPluginStartsWithNativeAndUnknownSwitchFails() throws {
        var auth = MySQLAuthenticator(
            password: "secret", serverPlugin: "auth_gssapi_client", nonce: Self.nonce, secure: false)
        #expect(try auth.initialResponse().get().plugin == "mysql_native_password")
        #expect(auth.handle(Self.authSwitch("dialog", [])) == .failed(.unsupportedPlugin("dialog")))
    }

    @Test func oldPasswordSwitchIsRefused() throws {
        var auth = MySQLAuthenticator(
            password: "secret", serverPlugin: "mysql_native_password", nonce: Self.nonce, secure: false)
        _ = try auth.initialResponse().get()
        #expect(auth.handle([0xFE]) == .failed(.oldPasswordProtocol))
    }

    @Test func sha256PasswordRequestsTheKeyWithOne() throws {
        let key = try _RSA.Encryption.PrivateKey(keySize: .bits2048)
        var auth = MySQLAuthenticator(
            password: "secret", serverPlugin: "sha256_password", nonce: Self.nonce, secure: false)
        #expect(try auth.initialResponse().get().data == [0x01])
        guard case .send(let encrypted) = auth.handle([0x01] + Array(key.publicKey.pemRepresentation.utf8)) else {
            Issue.record("expected the encrypted password")
            return
        }
        #expect(
            Array(try key.decrypt(encrypted, padding: .PKCS1_OAEP))
                == MySQLScramble.xorWithNonce(Self.secret, nonce: Self.nonce))
    }

    @Test func garbageDuringAuthIsUnexpected() throws {
        var auth = MySQLAuthenticator(
            password: "secret", serverPlugin: "mysql_native_password", nonce: Self.nonce, secure: false)
        _ = try auth.initialResponse().get()
        guard case .failed(.unexpected) = auth.handle([0x42, 0x43]) else {
            Issue.record("expected unexpected")
            return
        }
    }

    @Test func moreThanThreeSwitchesIsALoop() throws {
        var auth = MySQLAuthenticator(
            password: "secret", serverPlugin: "mysql_native_password", nonce: Self.nonce, secure: false)
        _ = try auth.initialResponse().get()
        for _ in 0..<3 {
            guard case .send = auth.handle(Self.authSwitch("mysql_native_password", Self.nonce)) else {
                Issue.record("expected a reply")
                return
            }
        }
        guard case .failed(.unexpected) = auth.handle(Self.authSwitch("mysql_native_password", Self.nonce)) else {
            Issue.record("expected the fourth switch to fail")
            return
        }
    }
}
