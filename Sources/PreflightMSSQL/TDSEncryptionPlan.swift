import PreflightCore

/// What the PRELOGIN exchange settled about encryption (MS-TDS 2.2.6.5), decided without I/O.
enum TDSEncryptionPlan: Sendable, Equatable {
    /// No TLS at all.
    case none
    /// TLS for LOGIN7 only, then plaintext (both sides ENCRYPT_OFF): the password is protected, the session is not.
    case loginOnly
    /// TLS for the whole session.
    case full
}

/// Why the exchange cannot go on under the configured `sslMode`.
enum TDSEncryptionRefusal: Error, Sendable, Equatable {
    /// The server answered ENCRYPT_REQ (or ON) while sslMode disable asked for none.
    case serverRequiresEncryption(TDSEncryption)
    /// The server cannot encrypt (ENCRYPT_NOT_SUP) and the mode requires TLS.
    case serverCannotEncrypt
}

/// The client side of the encryption negotiation.
enum TDSEncryptionNegotiation {
    /// What the client asks for: disable → NOT_SUP (do not ask), prefer → OFF (at least the login is
    /// encrypted when the server can), require and the verifying modes → ON.
    static func request(for mode: SSLMode) -> TDSEncryption {
        switch mode {
        case .disable: .notSupported
        case .prefer: .off
        case .require, .verifyCA, .verifyFull: .on
        }
    }

    /// What the session does, given the mode and the server's answer.
    static func plan(mode: SSLMode, server: TDSEncryption) -> Result<TDSEncryptionPlan, TDSEncryptionRefusal> {
        switch (request(for: mode), server) {
        case (.notSupported, .required), (.notSupported, .on):
            return .failure(.serverRequiresEncryption(server))
        case (.notSupported, _):
            return .success(.none)
        case (.off, .off):
            return .success(.loginOnly)
        case (.off, .notSupported):
            return .success(.none)
        case (.off, _):
            return .success(.full)
        case (_, .notSupported):
            return .failure(.serverCannotEncrypt)
        default:
            return .success(.full)
        }
    }
}
