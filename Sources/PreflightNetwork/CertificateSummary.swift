import Foundation
import NIOSSL
@_spi(FixedExpiryValidationTime) import X509

/// The facts about a certificate that a person needs to fix a TLS failure.
public struct CertificateSummary: Sendable, Equatable, CustomStringConvertible {
    public var subject: String
    public var issuer: String
    public var notBefore: Date
    public var notAfter: Date
    public var names: [String]

    public init(_ certificate: Certificate) {
        subject = certificate.subject.description
        issuer = certificate.issuer.description
        notBefore = certificate.notValidBefore
        notAfter = certificate.notValidAfter
        var names: [String] = []
        if let alternatives = try? certificate.extensions.subjectAlternativeNames {
            for name in alternatives {
                switch name {
                case .dnsName(let dns): names.append(dns)
                case .ipAddress(let octets): names.append(Self.ipText(Array(octets.bytes)))
                default: continue
                }
            }
        }
        self.names = names
    }

    public var isSelfSigned: Bool { subject == issuer }

    /// "subject CN=db, issuer CN=Example CA, valid 2026-01-01 to 2027-01-01, names db.example.com"
    public var description: String {
        var text =
            "subject \(subject), issuer \(issuer)\(isSelfSigned ? " (self-signed)" : ""), valid \(Self.day(notBefore)) to \(Self.day(notAfter))"
        if !names.isEmpty { text += ", names \(names.prefix(6).joined(separator: ", "))" }
        return text
    }

    static func day(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }

    static func ipText(_ bytes: [UInt8]) -> String {
        IPAddress(bytes: bytes).description
    }
}

/// Verifies a presented chain the way libpq's verify-ca / verify-full do, and explains a failure.
public enum ChainVerifier {
    /// Nil when the chain is acceptable; otherwise one sentence naming the certificate and the reason.
    public static func problem(
        presentedDER: [[UInt8]],
        roots: CertificateStore,
        serverName: String,
        checkName: Bool,
        now: Date = Date()
    ) async -> String? {
        let parsed = presentedDER.compactMap { try? Certificate(derEncoded: $0) }
        guard let leaf = parsed.first else { return "the server presented no certificate we could read" }
        let summary = CertificateSummary(leaf)
        if summary.notAfter < now {
            return "the server's certificate expired on \(CertificateSummary.day(summary.notAfter)) (\(summary))"
        }
        if summary.notBefore > now {
            return
                "the server's certificate is not valid until \(CertificateSummary.day(summary.notBefore)) (\(summary))"
        }
        var chainVerifier = Verifier(rootCertificates: roots) { RFC5280Policy(fixedExpiryValidationTime: now) }
        let chain = await chainVerifier.validate(leaf: leaf, intermediates: CertificateStore(parsed.dropFirst()))
        if case .couldNotValidate(let failures) = chain {
            let reasons = failures.map { "\($0.policyFailureReason)" }.prefix(2).joined(separator: "; ")
            let why =
                summary.isSelfSigned
                ? "it is self-signed and not among the trusted CA certificates"
                : "it does not chain to a trusted CA (issuer \(summary.issuer) is not trusted)"
            return
                "the server's certificate is not trusted: \(why)\(reasons.isEmpty ? "" : " [\(reasons)]") (\(summary))"
        }
        if checkName {
            let isIP = IPAddress(serverName) != nil
            var nameVerifier = Verifier(rootCertificates: roots) {
                RFC5280Policy(fixedExpiryValidationTime: now)
                ServerIdentityPolicy(serverHostname: isIP ? nil : serverName, serverIP: isIP ? serverName : nil)
            }
            let named = await nameVerifier.validate(leaf: leaf, intermediates: CertificateStore(parsed.dropFirst()))
            if case .couldNotValidate = named {
                let names =
                    summary.names.isEmpty
                    ? "only the subject \(summary.subject)" : summary.names.joined(separator: ", ")
                return "the server's certificate does not name \(serverName): it is for \(names) (\(summary))"
            }
        }
        return nil
    }

    /// Parses a PEM bundle into a trust store.
    public static func store(fromPEM pem: String) throws -> CertificateStore {
        let marker = "-----END CERTIFICATE-----"
        let blocks = pem.components(separatedBy: marker).dropLast().map { $0 + marker }
        let certificates = try blocks.map { block in
            guard let begin = block.range(of: "-----BEGIN CERTIFICATE-----") else { throw CertificateBundleEmpty() }
            return try Certificate(pemEncoded: String(block[begin.lowerBound...]))
        }
        guard !certificates.isEmpty else { throw CertificateBundleEmpty() }
        return CertificateStore(certificates)
    }
}

struct CertificateBundleEmpty: Error {}
