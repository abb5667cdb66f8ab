import Crypto
import Foundation
import NIOCore
import NIOSSL
import NIOTLS
import PreflightCore
import PreflightNetwork
import Synchronization
import X509

/// The TLS handshake of TDS 7.x, carried in PRELOGIN packets (`TDSTLSFraming`), verified the libpq
/// way (`ChainVerifier`); a refused certificate is named with its SHA-256 fingerprint and SHA-1
/// thumbprint (what SQL Server Configuration Manager shows).
enum TDSTLS {
    /// What the handshake established, and the framing it left below the TLS handler.
    struct Session: Sendable {
        var info: Info
        var framing: TDSTLSFraming
    }

    /// What the handshake established (TDS 7.x negotiates TLS 1.2).
    struct Info: Sendable {
        var version = "TLS 1.2"
        var certificate: CertificateSummary?
        var verified: Bool

        /// "TLS 1.2, certificate verified (subject ...)"
        var description: String {
            var text = "\(version), certificate \(verified ? "verified" : "not verified (the mode does not check it)")"
            if let certificate { text += " (\(certificate))" }
            return text
        }
    }

    /// Takes TLS out of the pipeline without closing it (after an encrypted LOGIN7 when only the login
    /// is encrypted: the server answers in plaintext). Call on the event loop, right after the write.
    static func drop(from channel: any Channel) throws {
        let pipeline = channel.pipeline.syncOperations
        let handler = try pipeline.handler(type: NIOSSLClientHandler.self)
        pipeline.removeHandler(handler, promise: nil)
        let framing = try pipeline.handler(type: TDSTLSFraming.self)
        pipeline.removeHandler(framing, promise: nil)
    }

    /// The leaf certificate the server presented and the verifier's reason to refuse it, kept for the failure message.
    final class Presented: Sendable {
        private let value = Mutex<(leaf: [UInt8]?, reason: String?)>((nil, nil))
        func set(leaf: [UInt8]?) { value.withLock { $0.leaf = leaf } }
        func set(reason: String?) { value.withLock { $0.reason = reason } }
        var leaf: [UInt8]? { value.withLock { $0.leaf } }
        var reason: String? { value.withLock { $0.reason } }
    }

    /// The handshake: inside PRELOGIN packets (TDS 7.x, TLS 1.2), or `strict` first on the bare
    /// connection (TDS 8.0: TLS 1.2 or 1.3, ALPN `tds/8.0`).
    static func handshake(on channel: any Channel, settings: TLSSettings, peerName: String, strict: Bool = false)
        async throws(ProbeFailure) -> Session
    {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if strict {
            configuration.applicationProtocols = ["tds/8.0"]
        } else {
            // TDS 7.x carries TLS 1.2 at most (TLS 1.3 is TDS 8.0's, TLS first).
            configuration.maximumTLSVersion = .tlsv12
        }
        let verifies = settings.mode.verifiesChain
        configuration.certificateVerification = verifies ? .noHostnameVerification : .none
        // The chain is checked by ChainVerifier in the callback: BoringSSL needs no roots of its own
        // (loading the system's for every ping cost more than the rest of the handshake).
        configuration.trustRoots = .certificates([])
        let roots = try ChainVerifier.roots(for: settings)
        let sslContext: NIOSSLContext
        do { sslContext = try NIOSSLContext(configuration: configuration) } catch {
            throw ProbeFailure(.internalError, "could not set up TLS: \(error)")
        }
        let problem = Presented()
        let serverName = settings.serverName
        let checkName = settings.mode == .verifyFull
        let sni = IPAddress(serverName) == nil ? serverName : nil
        let handshake = channel.eventLoop.makePromise(of: Void.self)
        let framing = TDSTLSFraming()
        do {
            try await channel.eventLoop.submit { () throws -> Void in
                let handler: NIOSSLClientHandler
                if verifies {
                    handler = try NIOSSLClientHandler(context: sslContext, serverHostname: sni) { presented, verdict in
                        let der = presented.compactMap { try? $0.toDERBytes() }
                        problem.set(leaf: der.first)
                        Task {
                            let found = await ChainVerifier.problem(
                                presentedDER: der, roots: roots, serverName: serverName, checkName: checkName)
                            problem.set(reason: found)
                            verdict.succeed(found == nil ? .certificateVerified : .failed)
                        }
                    }
                } else {
                    handler = try NIOSSLClientHandler(context: sslContext, serverHostname: sni)
                }
                let pipeline = channel.pipeline.syncOperations
                if let limit = try? pipeline.handler(type: InboundByteLimit.self) {
                    try pipeline.addHandler(framing, position: .after(limit))
                } else {
                    try pipeline.addHandler(framing, position: .first)
                }
                if strict {
                    // Nothing to wrap: TLS comes first on the connection.
                    framing.passThrough()
                }
                try pipeline.addHandler(handler, position: .after(framing))
                try pipeline.addHandler(
                    UserEventWatcher(promise: handshake) { event in
                        if let event = event as? TLSUserEvent, case .handshakeCompleted = event { return true }
                        return false
                    }, position: .after(handler))
            }.get()
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
            if let found = problem.reason {
                throw certificateFailure(found, leaf: problem.leaf, settings: settings, peerName: peerName)
            }
            throw describe(error, peerName: peerName)
        }
        // The handshake is over: TLS records now travel bare (TDS 7.x), nothing is in flight yet.
        try? await channel.eventLoop.submit {
            framing.passThrough()
            if let watcher = try? channel.pipeline.syncOperations.handler(type: UserEventWatcher.self) {
                channel.pipeline.syncOperations.removeHandler(watcher, promise: nil)
            }
        }.get()
        let leaf = try? await channel.nioSSL_peerCertificate().get()
        let summary = leaf.flatMap { try? Certificate(derEncoded: $0.toDERBytes()) }.map(CertificateSummary.init)
        let version = (try? await channel.nioSSL_tlsVersion().get()).flatMap { $0 }
        return Session(
            info: Info(
                version: version == .tlsv13 ? "TLS 1.3" : "TLS 1.2", certificate: summary, verified: verifies),
            framing: framing)
    }

    /// "AB:CD:..." of a digest.
    static func colonHex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02X", $0) }.joined(separator: ":")
    }

    /// A refused certificate: the verifier's reason, the fingerprints, and the fix.
    static func certificateFailure(_ found: String, leaf: [UInt8]?, settings: TLSSettings, peerName: String)
        -> ProbeFailure
    {
        var message = "TLS with \(peerName) failed: \(found)"
        if let leaf {
            message +=
                "; certificate SHA-256 fingerprint \(colonHex(SHA256.hash(data: leaf))), SHA-1 thumbprint \(colonHex(Insecure.SHA1.hash(data: leaf)).replacingOccurrences(of: ":", with: ""))"
        }
        let selfSigned = found.contains("self-signed")
        var hint: String
        if selfSigned {
            hint =
                found.contains("SSL_Self_Signed_Fallback")
                ? "SQL Server is using the self-signed certificate it makes when none is configured: install a CA-signed certificate for \(settings.serverName) on the server (SQL Server Configuration Manager > Protocols > Certificate), or"
                : "the server's certificate is self-signed: give it (its PEM) in sslRootCert after checking the fingerprint above with the server's administrator, or"
            hint += " set sslMode to require to encrypt without verifying the certificate (TrustServerCertificate=true)"
        } else if settings.rootCertificatesPEM == nil {
            hint =
                "give the CA certificate that signed the server's certificate in sslRootCert, or set sslMode to require to encrypt without verifying"
        } else {
            hint =
                "check that sslRootCert holds the CA that signed the server's certificate, and that the host name matches the certificate"
        }
        return ProbeFailure(.tls, message, hint: hint)
    }

    /// Handshake errors as sentences.
    static func describe(_ error: any Error, peerName: String) -> ProbeFailure {
        let text = "\(error)"
        if error is InboundByteLimitExceeded {
            return ProbeFailure(
                .protocolMismatch, "\(peerName) sent more data during the TLS handshake than any server would")
        }
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("PACKET_LENGTH_TOO_LONG") {
            return ProbeFailure(
                .tls, "\(peerName) did not answer with TLS inside TDS (it agreed to encrypt, then sent something else)")
        }
        if text.contains("PROTOCOL_VERSION") || text.contains("UNSUPPORTED_PROTOCOL") {
            return ProbeFailure(
                .tls, "\(peerName) offers no TLS version this service accepts for TDS 7.4 (TLS 1.2)",
                hint: "enable TLS 1.2 on the server (SQL Server 2016 and later have it; older builds need an update)")
        }
        if text.contains("HANDSHAKE_FAILURE") || text.contains("NO_SHARED_CIPHER") {
            return ProbeFailure(.tls, "\(peerName) and this service share no TLS cipher suite")
        }
        if case ChannelError.eof = error as? ChannelError ?? .ioOnClosedChannel {
            return ProbeFailure(.tls, "\(peerName) closed the connection during the TLS handshake")
        }
        var unclean = false
        if let sslError = error as? NIOSSLError, case .uncleanShutdown = sslError { unclean = true }
        if unclean || text.contains("EOF") || text.contains("eof") || isPeerReset(error) {
            return ProbeFailure(.tls, "\(peerName) closed the connection during the TLS handshake")
        }
        return ProbeFailure(.tls, "TLS handshake with \(peerName) failed: \(text)")
    }
}
