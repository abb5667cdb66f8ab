import NIOCore
import PreflightCore
import PreflightNetwork

/// The login exchange (handshake response, then the auth plugins' round trips) and what its failures mean.
extension MySQLProbe {
    enum LoginOutcome: Sendable {
        case success(MySQLAuthenticator)
        case server(MySQLServerError)
        case failure(ProbeFailure)
    }

    /// Sends the handshake response and runs the auth exchange to its end. Records nothing in the trace.
    func login(_ wire: MySQLWire, greeting: MySQLGreeting, secure: Bool, context: ProbeContext) async -> LoginOutcome {
        var auth = MySQLAuthenticator(
            password: config.password, serverPlugin: greeting.authPluginName, nonce: greeting.scramble,
            secure: secure, serverPublicKeyPEM: config.serverPublicKeyPEM)
        let initial: (plugin: String, data: [UInt8])
        switch auth.initialResponse() {
        case .success(let value): initial = value
        case .failure(let failure): return .failure(describe(failure, auth: auth, secure: secure))
        }
        let response = MySQLClientMessages.handshakeResponse(
            capabilities: clientCapabilities(greeting, tls: secure), user: config.user, authResponse: initial.data,
            database: config.database, pluginName: greeting.capabilities.contains(.pluginAuth) ? initial.plugin : nil)
        do {
            try await wire.send(response)
            for _ in 0..<8 {
                let packet = try await wire.receive(within: context.budget())
                switch auth.handle(packet.payload) {
                case .send(let bytes): try await wire.send(bytes)
                case .wait: continue
                case .authenticated: return .success(auth)
                case .failed(.server(let error)): return .server(error)
                case .failed(let failure): return .failure(describe(failure, auth: auth, secure: secure))
                }
            }
            return .failure(ProbeFailure(.protocolMismatch, "\(server) did not finish the login after eight exchanges"))
        } catch {
            return .failure(loginWireFailure(error))
        }
    }

    private func loginWireFailure(_ error: MySQLWireError) -> ProbeFailure {
        switch error {
        case .closed:
            return ProbeFailure(
                .serverUnavailable, "\(server) closed the connection during login without an error message",
                hint: "the server may be restarting, or a proxy in front of it dropped the connection", transient: true)
        case .timedOut:
            return ProbeFailure(
                .timeout, "\(server) did not answer the login in time",
                hint: "the server accepted the connection but did not finish authenticating; it may be overloaded")
        case .framing(let framing):
            return ProbeFailure(.protocolMismatch, "\(server) answered the login with malformed packets (\(framing))")
        case .byteLimit:
            return ProbeFailure(.protocolMismatch, "\(server) sent far more data during login than \(product) would")
        case .channel(let text):
            return ProbeFailure(.unreachable, "the connection to \(server) failed during login: \(text)")
        }
    }

    private func describe(_ failure: MySQLAuthenticator.Failure, auth: MySQLAuthenticator, secure: Bool) -> ProbeFailure
    {
        let user = config.user
        switch failure {
        case .server(let error):
            return MySQLErrorMapping.failure(
                for: error, user: user, database: config.database, server: server, product: product,
                encrypted: secure, passwordGiven: config.password != nil)
        case .unsupportedPlugin(let plugin):
            return ProbeFailure(
                .unsupported,
                "user \"\(user)\" authenticates with the \(plugin) plugin, which Preflight does not speak (supported: \(MySQLAuthenticator.supportedPlugins.sorted().joined(separator: ", ")))",
                hint:
                    "use a password account for CDC, e.g. ALTER USER \(MySQLConfig.quoted(user))@'%' IDENTIFIED WITH caching_sha2_password BY '...'; (MariaDB: IDENTIFIED VIA ed25519 USING PASSWORD('...'))"
            )
        case .cleartextRequiresTLS(let plugin):
            return ProbeFailure(
                .tls,
                "\(server) asks for user \"\(user)\"'s password in clear text (\(plugin), used by PAM and LDAP accounts), which Preflight only sends over TLS, and this connection is not encrypted",
                hint: "set tlsMode to \"preferred\" (or sslMode to require / verify-full)")
        case .publicKeyUnusable(let reason):
            return ProbeFailure(
                .auth,
                "full authentication of user \"\(user)\" (\(auth.plugin)) needs the password RSA-encrypted, and the key could not be used: \(reason)",
                hint:
                    "connect over TLS (tlsMode \"preferred\" or sslMode require), or give the server's public key in serverPublicKey (SHOW STATUS LIKE 'Caching_sha2_password_rsa_public_key')"
            )
        case .oldPasswordProtocol:
            return ProbeFailure(
                .unsupported,
                "user \"\(user)\" has a pre-4.1 password hash (mysql_old_password), which Preflight does not speak",
                hint: "set a current password: ALTER USER \(MySQLConfig.quoted(user))@'%' IDENTIFIED BY '...';")
        case .unexpected(let text):
            return ProbeFailure(
                .protocolMismatch,
                "\(server) answered the login with \(text); it may not be \(product), or a proxy is rewriting the exchange"
            )
        }
    }
}
