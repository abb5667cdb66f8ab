import Foundation
import NIOCore
import NIOSSL
import NIOTLS
import PreflightCore
import X509

/// What a finished TLS handshake established.
public struct TLSSessionInfo: Sendable {
    public var version: String
    public var certificate: CertificateSummary?
    public var verified: Bool

    /// "TLS 1.3, certificate verified (subject ...)"
    public var description: String {
        var text = "\(version), certificate \(verified ? "verified" : "not verified (mode does not check it)")"
        if let certificate { text += " (\(certificate))" }
        return text
    }
}

/// Upgrades a connected channel to TLS under a libpq-style mode, verifying the chain itself so that a
/// failure names the certificate's subject, issuer, validity and the exact reason.
public enum TLSUpgrade {
    /// Adds TLS to `channel` and waits for the handshake. `peerName` names the server in messages.
    public static func perform(
        on channel: any Channel,
        settings: TLSSettings,
        peerName: String,
        context: ProbeContext
    ) async throws(ProbeFailure) -> TLSSessionInfo {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        let verifies = settings.mode.verifiesChain
        configuration.certificateVerification = verifies ? .noHostnameVerification : .none
        // The chain is checked by our callback (below) against `roots`, never by BoringSSL: loading the
        // system trust store into every ping's context would only cost time (about 20 ms in a debug build).
        configuration.trustRoots = .certificates([])
        let roots = try ChainVerifier.roots(for: settings)
        let sslContext: NIOSSLContext
        do { sslContext = try NIOSSLContext(configuration: configuration) } catch {
            throw ProbeFailure(.internalError, "could not set up TLS: \(error)")
        }
        let problem = VerificationProblem()
        let serverName = settings.serverName
        let checkName = settings.mode == .verifyFull
        let sni = IPAddress(serverName) == nil ? serverName : nil
        let handshake = channel.eventLoop.makePromise(of: Void.self)
        do {
            try await channel.eventLoop.submit {
                // A TLS server waits for the client's hello. Bytes already held here came before it
                // and would never reach the TLS handler: the peer is something else.
                if let early = try? channel.pipeline.syncOperations.handler(type: EarlyBytesBuffer.self) {
                    let spoken = early.peek(limit: 64)
                    if !spoken.isEmpty { throw SpokeFirst(bytes: spoken) }
                }
                let handler: NIOSSLClientHandler
                if verifies {
                    handler = try ChainVerifier.clientHandler(
                        context: sslContext, serverName: serverName, roots: roots, checkName: checkName,
                        problem: problem)
                } else {
                    handler = try NIOSSLClientHandler(context: sslContext, serverHostname: sni)
                }
                // After the byte limit (first), before everything else.
                try channel.pipeline.syncOperations.addHandler(
                    handler, position: .after(channel.pipeline.syncOperations.handler(type: InboundByteLimit.self)))
                try channel.pipeline.syncOperations.addHandler(
                    UserEventWatcher(promise: handshake) { event in
                        if let event = event as? TLSUserEvent, case .handshakeCompleted = event { return true }
                        return false
                    }, position: .after(handler))
                // From here on the application's bytes come out of TLS: let them through.
                channel.releaseEarlyBytes()
            }.get()
        } catch let spoke as SpokeFirst {
            handshake.fail(spoke)
            var message = "\(peerName) sent data before the TLS handshake, which a TLS server never does"
            if let known = ProtocolSniffer.identify(spoke.bytes) { message += " (it looks like \(known.description))" }
            throw ProbeFailure(.protocolMismatch, message, hint: "check the port: it does not speak TLS first")
        } catch {
            handshake.fail(error)
            if !channel.isActive {
                throw ProbeFailure(.tls, "\(peerName) closed the connection before the TLS handshake began")
            }
            throw ProbeFailure(.internalError, "could not start TLS: \(error)")
        }
        do {
            try await handshake.futureResult.get()
        } catch {
            if let found = problem.get() {
                throw ProbeFailure(.tls, "TLS with \(peerName) failed: \(found)", hint: certificateHint(settings))
            }
            throw describe(error, peerName: peerName)
        }
        if let watcher = try? await channel.pipeline.handler(type: UserEventWatcher.self).get() {
            try? await channel.pipeline.removeHandler(watcher).get()
        }
        let leaf = try? await channel.nioSSL_peerCertificate().get()
        let version = (try? await channel.nioSSL_tlsVersion().get()).flatMap { $0 }.map(versionName) ?? "TLS"
        let summary = leaf.flatMap { try? Certificate(derEncoded: $0.toDERBytes()) }.map(CertificateSummary.init)
        return TLSSessionInfo(version: version, certificate: summary, verified: verifies)
    }

    /// The peer sent bytes before the client's hello.
    struct SpokeFirst: Error {
        let bytes: [UInt8]
    }

    static func certificateHint(_ settings: TLSSettings) -> String {
        if settings.rootCertificatesPEM == nil {
            return
                "give the CA certificate that signed the server's certificate in sslRootCert, or use sslMode require to encrypt without verifying"
        }
        return
            "check that sslRootCert holds the CA that signed the server's certificate, and that the host name matches the certificate"
    }

    /// Maps handshake errors to sentences.
    static func describe(_ error: any Error, peerName: String) -> ProbeFailure {
        let text = "\(error)"
        if case ChannelError.eof = error as? ChannelError ?? .ioOnClosedChannel {
            return ProbeFailure(
                .tls, "\(peerName) closed the connection during the TLS handshake",
                hint: "the server may not speak TLS on this port, or it rejected our TLS version or ciphers")
        }
        if error is InboundByteLimitExceeded {
            return ProbeFailure(
                .protocolMismatch, "\(peerName) sent more data during the TLS handshake than any server would")
        }
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("PACKET_LENGTH_TOO_LONG")
            || text.contains("HTTP_REQUEST")
        {
            return ProbeFailure(
                .tls, "\(peerName) did not answer with TLS (it agreed to TLS, then sent something else)")
        }
        if text.contains("PROTOCOL_VERSION") || text.contains("UNSUPPORTED_PROTOCOL") {
            return ProbeFailure(
                .tls, "\(peerName) offers no TLS version this service accepts (TLS 1.2 or 1.3 required)")
        }
        if text.contains("HANDSHAKE_FAILURE") || text.contains("NO_SHARED_CIPHER") {
            return ProbeFailure(.tls, "\(peerName) and this service share no TLS cipher suite")
        }
        if text.contains("EOF during handshake") || text.contains("UNEXPECTED_EOF") || text.contains("unexpected eof") {
            return ProbeFailure(
                .tls, "\(peerName) closed the connection during the TLS handshake",
                hint: "the server may not speak TLS on this port, or it rejected our TLS version or ciphers")
        }
        if let sslError = error as? NIOSSLError, case .uncleanShutdown = sslError {
            return ProbeFailure(.tls, "\(peerName) closed the connection during the TLS handshake")
        }
        if isPeerReset(error) {
            return ProbeFailure(
                .tls, "\(peerName) closed the connection during the TLS handshake (it reset the connection)",
                hint: "the server may not speak TLS on this port, or it rejected our TLS version or ciphers")
        }
        return ProbeFailure(.tls, "TLS handshake with \(peerName) failed: \(text)")
    }

    static func versionName(_ version: TLSVersion) -> String {
        switch version {
        case .tlsv13: "TLS 1.3"
        case .tlsv12: "TLS 1.2"
        case .tlsv11: "TLS 1.1"
        case .tlsv1: "TLS 1.0"
        }
    }
}
