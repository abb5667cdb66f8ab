/// libpq's TLS modes, used by every connector that can speak TLS (extension key `sslMode`).
public enum SSLMode: String, Sendable, Codable, CaseIterable {
    /// Plaintext only.
    case disable
    /// TLS when the server offers it, plaintext otherwise; the certificate is not checked.
    case prefer
    /// TLS or fail; the certificate is not checked (unless a CA bundle is given, as in libpq).
    case require
    /// TLS, and the certificate must chain to a trusted CA.
    case verifyCA = "verify-ca"
    /// TLS, a trusted chain, and the certificate must name the host.
    case verifyFull = "verify-full"

    /// Whether a plaintext session is acceptable.
    public var allowsPlaintext: Bool { self == .disable || self == .prefer }
    /// Whether the certificate chain is verified.
    public var verifiesChain: Bool { self == .verifyCA || self == .verifyFull }
}

/// The TLS part of a probe's plan: the mode, the CA bundle, and the name to verify.
public struct TLSSettings: Sendable, Equatable {
    public var mode: SSLMode
    /// PEM text of the CA certificates to trust instead of the system's.
    public var rootCertificatesPEM: String?
    /// The name the certificate must carry (and the SNI name), normally the configured host.
    public var serverName: String

    public init(mode: SSLMode, rootCertificatesPEM: String? = nil, serverName: String) {
        self.mode = mode
        self.rootCertificatesPEM = rootCertificatesPEM
        self.serverName = serverName
    }

    /// Reads `sslMode` and `sslRootCert` from a config. With a CA bundle, `require` verifies the chain as libpq does.
    public static func from(
        _ config: SharedConfig,
        serverName: String,
        default defaultMode: SSLMode,
        minimum: SSLMode? = nil,
        type: ConnectorType
    ) throws(InvalidConfig) -> TLSSettings {
        var mode = defaultMode
        if let text = try config.string("sslMode") {
            guard let parsed = SSLMode(rawValue: text.lowercased()) else {
                throw InvalidConfig(
                    "sharedConfig.sslMode must be one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            mode = parsed
        }
        if let minimum, minimum == .require, mode.allowsPlaintext {
            throw InvalidConfig(
                "\(type.rawValue) requires TLS: sharedConfig.sslMode must be require, verify-ca or verify-full")
        }
        let pem = try config.string("sslRootCert")
        if let pem {
            guard pem.contains("-----BEGIN CERTIFICATE-----") else {
                throw InvalidConfig("sharedConfig.sslRootCert must be PEM text containing -----BEGIN CERTIFICATE-----")
            }
            if mode == .require { mode = .verifyCA }
        }
        return TLSSettings(mode: mode, rootCertificatesPEM: pem, serverName: serverName)
    }
}
