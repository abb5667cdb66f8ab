import NIOCore
import PreflightCore
import PreflightNetwork

/// The `tls` step: the plan PRELOGIN settled, then the handshake inside TDS.
extension MSSQLProbe {
    func negotiateTLS(
        _ wire: TDSWire, prelogin: TDSPrelogin, settings: TLSSettings, server: String, context: ProbeContext
    ) async throws(ProbeFailure) -> TDSEncryptionPlan {
        let mode = config.tls.mode
        let plan: TDSEncryptionPlan
        switch TDSEncryptionNegotiation.plan(mode: mode, server: prelogin.encryption) {
        case .success(let value): plan = value
        case .failure(.serverRequiresEncryption(let answer)):
            let failure = ProbeFailure(
                .tls,
                "\(server) requires encryption (PRELOGIN answered \(answer.name): Force Encryption is on), and \(config.tlsModeSource) does not encrypt",
                hint:
                    "set sslMode to verify-full (with sslRootCert when the server's certificate is not from a public CA) or to require (encrypt without verifying the certificate)"
            )
            context.trace.note(.tls, status: .failed, detail: failure.message, hint: failure.hint)
            throw failure
        case .failure(.serverCannotEncrypt):
            let failure = ProbeFailure(
                .tls,
                "\(server) cannot encrypt (PRELOGIN answered ENCRYPT_NOT_SUP: no certificate is usable), and \(config.tlsModeSource) requires TLS",
                hint:
                    "give SQL Server a certificate (SQL Server Configuration Manager > Protocols > Certificate) and restart it, or set sslMode to prefer or disable to connect unencrypted"
            )
            context.trace.note(.tls, status: .failed, detail: failure.message, hint: failure.hint)
            throw failure
        }
        switch plan {
        case .none:
            context.trace.note(
                .tls, status: mode == .disable ? .skipped : .warning,
                detail: mode == .disable
                    ? "encryption is off (\(config.tlsModeSource)): the login and the session are not encrypted"
                    : "the server cannot encrypt (ENCRYPT_NOT_SUP); continuing unencrypted (\(config.tlsModeSource)): the password crosses the network in the clear (merely obfuscated)",
                hint: prelogin.encryption == .notSupported
                    ? "give SQL Server a certificate, then use sslMode verify-full" : nil)
            return .none
        case .loginOnly, .full:
            return try await context.step(
                .tls, "negotiating TLS inside TDS with \(server)",
                timeoutHint: "the server agreed to encrypt but did not finish the TLS handshake"
            ) { outcome in
                let session = try await TDSTLS.handshake(on: wire.channel, settings: settings, peerName: server)
                outcome.detail =
                    session.info.description
                    + (plan == .loginOnly
                        ? "; only the login is encrypted (the server's encryption is off and \(config.tlsModeSource) allows that)"
                        : "; the whole session is encrypted")
                if plan == .loginOnly {
                    outcome.status = .warning
                    outcome.hint =
                        "set sslMode to require or verify-full to encrypt the whole session (the server then encrypts everything)"
                }
                return plan
            }
        }
    }
}
