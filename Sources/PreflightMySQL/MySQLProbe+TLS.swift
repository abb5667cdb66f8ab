import NIOCore
import PreflightCore
import PreflightNetwork

/// The `tls` step: the SSL request in the handshake, then the TLS handshake.
extension MySQLProbe {
    /// What the client announces in the SSL request and the handshake response: what it wants and the
    /// server offers, protocol 4.1, TLS when asked, and a default database when one is configured.
    func clientCapabilities(_ greeting: MySQLGreeting, tls: Bool) -> MySQLCapabilities {
        var capabilities = MySQLCapabilities.wanted.intersection(greeting.capabilities)
        capabilities.insert(.protocol41)
        if tls { capabilities.insert(.ssl) }
        if config.database != nil { capabilities.insert(.connectWithDB) }
        return capabilities
    }

    func negotiateTLS(_ wire: MySQLWire, greeting: MySQLGreeting, context: ProbeContext)
        async throws(ProbeFailure) -> Bool
    {
        let mode = config.tls.mode
        guard mode != .disable else {
            context.trace.note(
                .tls, status: .skipped,
                detail: "TLS is off (\(config.tlsModeSource)): the connection is not encrypted",
                hint: greeting.capabilities.contains(.ssl)
                    ? "the server offers TLS: set tlsMode to \"preferred\" (or sslMode to verify-full) to use it" : nil)
            return false
        }
        guard greeting.capabilities.contains(.ssl) else {
            if mode.allowsPlaintext {
                context.trace.note(
                    .tls, status: .warning,
                    detail: "the server does not offer TLS; continuing unencrypted (\(config.tlsModeSource))",
                    hint: "configure ssl-cert and ssl-key on the server, then use sslMode verify-full")
                return false
            }
            let failure = ProbeFailure(
                .tls,
                "\(server) does not offer TLS (the greeting lacks CLIENT_SSL), and \(config.tlsModeSource) requires it",
                hint:
                    "configure ssl-cert and ssl-key on the server (SHOW VARIABLES LIKE 'have_ssl' should say YES)\(config.type == .mysql ? ", or set sslMode to prefer or disable" : "")"
            )
            context.trace.note(.tls, status: .failed, detail: failure.message, hint: failure.hint)
            throw failure
        }
        let server = self.server
        return try await context.step(
            .tls, "negotiating TLS with \(server)",
            timeoutHint: "the server agreed to TLS but did not finish the handshake"
        ) { outcome in
            let info = try await startTLS(wire, greeting: greeting, settings: config.tls, context: context)
            outcome.detail = info.description
            return true
        }
    }

    /// Sends the SSL request and performs the TLS handshake.
    func startTLS(_ wire: MySQLWire, greeting: MySQLGreeting, settings: TLSSettings, context: ProbeContext)
        async throws(ProbeFailure) -> TLSSessionInfo
    {
        do {
            try await wire.send(MySQLClientMessages.sslRequest(clientCapabilities(greeting, tls: true)))
        } catch {
            throw brokenConnection(error, server: server, while: "asking for TLS")
        }
        return try await TLSUpgrade.perform(on: wire.channel, settings: settings, peerName: server, context: context)
    }
}
