public import PreflightCore
public import X509

extension ChainVerifier {
    /// The roots a ping's chain is checked against: `sslRootCert`'s certificates when given, else the
    /// system's. A `sslRootCert` with no readable certificate is `invalid_config`.
    public static func roots(for settings: TLSSettings) throws(ProbeFailure) -> CertificateStore {
        guard let pem = settings.rootCertificatesPEM else { return CertificateStore.systemTrustRoots }
        do { return try ChainVerifier.store(fromPEM: pem) } catch {
            throw ProbeFailure(.invalidConfig, "sslRootCert holds no readable PEM certificate")
        }
    }
}
