/// The client side of MySQL authentication as a state machine: feed it the server's packets, it says
/// what to send next. Pure (no I/O), so every step can be tested on its own.
///
/// Supported plugins: `mysql_native_password`, `caching_sha2_password` (fast path; full authentication
/// with the password in clear over TLS, or RSA-encrypted with a supplied key or one requested from the
/// server), `sha256_password` (same full-authentication rules), MariaDB's `client_ed25519`, and
/// `mysql_clear_password` over TLS only. An auth-switch request moves between them.
public struct MySQLAuthenticator: Sendable {
    public static let nativePassword = "mysql_native_password"
    public static let cachingSHA2 = "caching_sha2_password"
    public static let sha256 = "sha256_password"
    public static let ed25519 = "client_ed25519"
    public static let clearPassword = "mysql_clear_password"
    public static let supportedPlugins: Set<String> = [nativePassword, cachingSHA2, sha256, ed25519, clearPassword]

    /// Why authentication stopped.
    public enum Failure: Error, Sendable, Equatable {
        /// The server sent an ERR packet.
        case server(MySQLServerError)
        /// The account uses a plugin Preflight does not speak (PAM `dialog`, GSSAPI, LDAP SASL, ...).
        case unsupportedPlugin(String)
        /// The plugin would send the password in clear, and the connection is not encrypted.
        case cleartextRequiresTLS(String)
        /// The server's (or the supplied) RSA public key could not be used.
        case publicKeyUnusable(String)
        /// The pre-4.1 `mysql_old_password` switch (a lone 0xFE).
        case oldPasswordProtocol
        /// A packet that makes no sense at this point of the exchange.
        case unexpected(String)
    }

    /// What to do after a server packet.
    public enum Step: Sendable, Equatable {
        /// Send this payload (continuing the packet sequence), then read the next packet.
        case send([UInt8])
        /// Send nothing; read the next packet.
        case wait
        /// An OK packet: the login succeeded.
        case authenticated
        case failed(Failure)
    }

    enum State: Sendable, Equatable {
        case awaitingResult
        case awaitingFastAuthResult
        case awaitingPublicKey
        case finished
    }

    /// The plugin in use now.
    public private(set) var plugin: String
    /// Every plugin used, in order (the first is the one announced in the handshake response).
    public private(set) var pluginsUsed: [String] = []
    /// How the exchange went, for the report ("fast authentication", "RSA key requested from the server", ...).
    public private(set) var notes: [String] = []

    private var nonce: [UInt8]
    private let password: [UInt8]
    private let secure: Bool
    private let suppliedPublicKey: String?
    private(set) var state: State = .awaitingResult
    private var switches = 0

    /// - Parameters:
    ///   - password: nil or empty for an account without a password.
    ///   - serverPlugin: the plugin the greeting names (nil: a server without CLIENT_PLUGIN_AUTH).
    ///   - nonce: the greeting's scramble.
    ///   - secure: whether the connection is encrypted (TLS), which allows sending the password in clear.
    ///   - serverPublicKeyPEM: the server's RSA public key, when given in the config.
    public init(
        password: String?, serverPlugin: String?, nonce: [UInt8], secure: Bool, serverPublicKeyPEM: String? = nil
    ) {
        self.password = Array((password ?? "").utf8)
        self.nonce = nonce
        self.secure = secure
        self.suppliedPublicKey = serverPublicKeyPEM
        // An unknown default plugin: answer with native password; the server switches us to the account's plugin.
        let start = serverPlugin.flatMap { Self.supportedPlugins.contains($0) ? $0 : nil } ?? Self.nativePassword
        self.plugin = start
    }

    /// The plugin name and auth data for the HandshakeResponse41.
    public mutating func initialResponse() -> Result<(plugin: String, data: [UInt8]), Failure> {
        pluginsUsed = [plugin]
        switch response(for: plugin) {
        case .success(let data): return .success((plugin, data))
        case .failure(let failure):
            state = .finished
            return .failure(failure)
        }
    }

    /// The first answer of `plugin` to the current nonce.
    private mutating func response(for plugin: String) -> Result<[UInt8], Failure> {
        switch plugin {
        case Self.nativePassword:
            state = .awaitingResult
            return .success(MySQLScramble.nativePassword(password, nonce: nonce))
        case Self.cachingSHA2:
            state = password.isEmpty ? .awaitingResult : .awaitingFastAuthResult
            return .success(MySQLScramble.cachingSHA2(password, nonce: nonce))
        case Self.ed25519:
            state = .awaitingResult
            return .success(MySQLScramble.ed25519(password, nonce: Array(nonce.prefix(32))))
        case Self.clearPassword:
            guard secure else { return .failure(.cleartextRequiresTLS(plugin)) }
            state = .awaitingResult
            notes.append("password sent in clear over TLS (mysql_clear_password)")
            return .success(password + [0])
        case Self.sha256:
            if password.isEmpty {
                state = .awaitingResult
                return .success([0])
            }
            return fullAuthentication(requestKeyByte: 0x01)
        default:
            return .failure(.unsupportedPlugin(plugin))
        }
    }

    /// Full authentication: the password in clear over TLS, else RSA-encrypted with the supplied key, else ask for the key.
    private mutating func fullAuthentication(requestKeyByte: UInt8) -> Result<[UInt8], Failure> {
        if secure {
            state = .awaitingResult
            notes.append("full authentication: password sent over TLS")
            return .success(password + [0])
        }
        if let suppliedPublicKey {
            state = .awaitingResult
            do {
                let encrypted = try MySQLScramble.rsaEncryptedPassword(
                    password, nonce: nonce, publicKeyPEM: suppliedPublicKey)
                notes.append(
                    "full authentication: password encrypted with the supplied RSA public key (serverPublicKey)")
                return .success(encrypted)
            } catch {
                return .failure(.publicKeyUnusable("the supplied serverPublicKey: \(error.reason)"))
            }
        }
        state = .awaitingPublicKey
        return .success([requestKeyByte])
    }

    /// Handles one packet from the server.
    public mutating func handle(_ payload: [UInt8]) -> Step {
        guard state != .finished else { return .failed(.unexpected("a packet after authentication ended")) }
        guard let header = payload.first else { return finish(.failed(.unexpected("an empty packet"))) }
        switch header {
        case 0x00:
            return finish(.authenticated)
        case 0xFF:
            let error = MySQLServerError.parse(payload) ?? MySQLServerError(code: 0, message: "malformed error packet")
            return finish(.failed(.server(error)))
        case 0xFE:
            return authSwitch(payload)
        case 0x01:
            return moreData(Array(payload.dropFirst()))
        default:
            return finish(
                .failed(.unexpected("a packet starting with 0x\(String(header, radix: 16)) during authentication")))
        }
    }

    private mutating func finish(_ step: Step) -> Step {
        state = .finished
        return step
    }

    /// AuthSwitchRequest: 0xFE, plugin name, NUL, the new nonce (often NUL-terminated).
    private mutating func authSwitch(_ payload: [UInt8]) -> Step {
        guard payload.count > 1 else { return finish(.failed(.oldPasswordProtocol)) }
        switches += 1
        guard switches <= 3 else { return finish(.failed(.unexpected("more than three auth-switch requests"))) }
        var reader = MySQLPayloadReader(payload, index: 1)
        guard let nameBytes = try? reader.nulTerminated("plugin name", orToEnd: true) else {
            return finish(.failed(.unexpected("a malformed auth-switch request")))
        }
        var data = reader.rest()
        if data.last == 0 { data.removeLast() }
        let name = String(decoding: nameBytes, as: UTF8.self)
        plugin = name
        pluginsUsed.append(name)
        if !data.isEmpty { nonce = data }
        switch response(for: name) {
        case .success(let bytes): return .send(bytes)
        case .failure(let failure): return finish(.failed(failure))
        }
    }

    /// AuthMoreData (0x01): caching_sha2's fast-auth verdict, or a server's RSA public key.
    private mutating func moreData(_ data: [UInt8]) -> Step {
        switch state {
        case .awaitingFastAuthResult where data == [0x03]:
            state = .awaitingResult
            notes.append("fast authentication (the server had this account's password cached)")
            return .wait
        case .awaitingFastAuthResult where data == [0x04]:
            notes.append("the server asked for full authentication (password not cached)")
            switch fullAuthentication(requestKeyByte: 0x02) {
            case .success(let bytes): return .send(bytes)
            case .failure(let failure): return finish(.failed(failure))
            }
        case .awaitingPublicKey:
            let pem = String(decoding: data, as: UTF8.self)
            guard pem.contains("-----BEGIN") else {
                return finish(.failed(.publicKeyUnusable("the server sent something that is not a PEM public key")))
            }
            do {
                let encrypted = try MySQLScramble.rsaEncryptedPassword(password, nonce: nonce, publicKeyPEM: pem)
                state = .awaitingResult
                notes.append(
                    "full authentication: password encrypted with the RSA public key requested from the server")
                return .send(encrypted)
            } catch {
                return finish(.failed(.publicKeyUnusable("the server's public key: \(error.reason)")))
            }
        case .awaitingResult where plugin == Self.cachingSHA2 && data == [0x03]:
            // Some servers confirm fast auth even after an empty password; the OK follows.
            return .wait
        default:
            return finish(.failed(.unexpected("unexpected auth data (\(data.count) bytes) for \(plugin)")))
        }
    }
}
