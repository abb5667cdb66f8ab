import Crypto
import Foundation
import SwiftASN1
import X509

/// A test certificate authority made at run time, and a server certificate it issued for
/// `127.0.0.1`, `::1`, `localhost` and `*.example.test`. Give `caPEM` to a probe as `sslRootCert`.
public enum TestPKI {
    private struct Material {
        let caPEM: String
        let serverCertificatePEM: String
        let serverKeyPEM: String
    }

    private static let material: Material = {
        do {
            let caKey = P256.Signing.PrivateKey()
            let caName = try DistinguishedName {
                CommonName("Preflight Test CA")
                OrganizationName("Preflight Test")
            }
            let now = Date()
            let ca = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey),
                notValidBefore: now - 3600, notValidAfter: now + 86400 * 3650,
                issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                },
                issuerPrivateKey: .init(caKey))
            let serverKey = P256.Signing.PrivateKey()
            let serverName = try DistinguishedName {
                CommonName("localhost")
                OrganizationName("Preflight Test")
            }
            let server = try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(serverKey.publicKey),
                notValidBefore: now - 3600, notValidAfter: now + 86400 * 3650,
                issuer: caName, subject: serverName, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([.serverAuth])
                    SubjectAlternativeNames([
                        .dnsName("localhost"), .dnsName("*.example.test"),
                        .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                        .ipAddress(ASN1OctetString(contentBytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])),
                    ])
                },
                issuerPrivateKey: .init(caKey))
            return Material(
                caPEM: try ca.serializeAsPEM().pemString,
                serverCertificatePEM: try server.serializeAsPEM().pemString,
                serverKeyPEM: serverKey.pemRepresentation)
        } catch {
            fatalError("could not make the test PKI: \(error)")
        }
    }()

    /// The CA certificate, PEM.
    public static var caPEM: String { material.caPEM }
    /// The server certificate (for 127.0.0.1, ::1, localhost, *.example.test), PEM.
    public static var serverCertificatePEM: String { material.serverCertificatePEM }
    /// The server certificate's private key (P-256, PKCS#8 PEM).
    public static var serverKeyPEM: String { material.serverKeyPEM }
}
