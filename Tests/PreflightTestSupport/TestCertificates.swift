/// Fixed certificates for TLS tests (EC P-256, generated once with openssl; test-only keys, never trusted anywhere).
///
/// Load them with NIOSSL in the test target: `NIOSSLCertificate(bytes: Array(pem.utf8), format: .pem)` and
/// `NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)`.
public enum TestCertificates {
    /// A self-signed certificate and its key.
    public struct Pair: Sendable {
        /// The certificate, PEM.
        public let certificatePEM: String
        /// The private key, PEM (PKCS#8).
        public let privateKeyPEM: String
        /// The subject's (and issuer's) common name, also its only subjectAltName (DNS).
        public let commonName: String
        /// The subject's organisation.
        public let organization: String
        /// notBefore, as yyyy-MM-dd (UTC).
        public let validFrom: String
        /// notAfter, as yyyy-MM-dd (UTC).
        public let validUntil: String
    }

    /// CN=db.example.test, O=Preflight Test, SAN DNS:db.example.test, CA:TRUE, valid 2020-01-01 to 2119-12-31.
    public static let selfSigned = Pair(
        certificatePEM: """
            -----BEGIN CERTIFICATE-----
            MIIBtTCCAVugAwIBAgIBATAKBggqhkjOPQQDAjAzMRgwFgYDVQQDDA9kYi5leGFt
            cGxlLnRlc3QxFzAVBgNVBAoMDlByZWZsaWdodCBUZXN0MCAXDTIwMDEwMTAwMDAw
            MFoYDzIxMTkxMjMxMDAwMDAwWjAzMRgwFgYDVQQDDA9kYi5leGFtcGxlLnRlc3Qx
            FzAVBgNVBAoMDlByZWZsaWdodCBUZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcD
            QgAEqUiybng8JyGPvY68fnSQTevwYUNro/3ukG07J975iiZE2mKPufCjO9uMzC2C
            TIosw/1Qjbx2Trc9jQeotXRRAqNeMFwwGgYDVR0RBBMwEYIPZGIuZXhhbXBsZS50
            ZXN0MA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgKEMB0GA1UdDgQWBBS6
            zUTR3mC1Olc+ipBVfLIR5OkH9DAKBggqhkjOPQQDAgNIADBFAiBf1uIKaAfDO2xE
            0FRl6SGfH/6o7uOc5V0BR4M/Zo4cQQIhAN4uLu+PvC3GiuBB7hWCY8GHOxKB+rp8
            9LIszaqmQ1KH
            -----END CERTIFICATE-----

            """,
        privateKeyPEM: """
            -----BEGIN PRIVATE KEY-----
            MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgL75IHpIz3xI6uf50
            KxQnkdHisLUi42emJAGrhAm5EUuhRANCAASpSLJueDwnIY+9jrx+dJBN6/BhQ2uj
            /e6QbTsn3vmKJkTaYo+58KM724zMLYJMiizD/VCNvHZOtz2NB6i1dFEC
            -----END PRIVATE KEY-----

            """,
        commonName: "db.example.test",
        organization: "Preflight Test",
        validFrom: "2020-01-01",
        validUntil: "2119-12-31")

    /// CN=expired.example.test, O=Preflight Test, SAN DNS:expired.example.test, valid 2020-01-01 to 2021-01-01 (expired).
    public static let expired = Pair(
        certificatePEM: """
            -----BEGIN CERTIFICATE-----
            MIIBwjCCAWigAwIBAgIBAjAKBggqhkjOPQQDAjA4MR0wGwYDVQQDDBRleHBpcmVk
            LmV4YW1wbGUudGVzdDEXMBUGA1UECgwOUHJlZmxpZ2h0IFRlc3QwHhcNMjAwMTAx
            MDAwMDAwWhcNMjEwMTAxMDAwMDAwWjA4MR0wGwYDVQQDDBRleHBpcmVkLmV4YW1w
            bGUudGVzdDEXMBUGA1UECgwOUHJlZmxpZ2h0IFRlc3QwWTATBgcqhkjOPQIBBggq
            hkjOPQMBBwNCAAQdGvnizyHz49iykiOqRIT6e9jyQvx7MVZSif/2/x7AuDyHz7b/
            3N90Yzyy0Yf+VEV51b6wHbO48iX7w/Pube4ho2MwYTAfBgNVHREEGDAWghRleHBp
            cmVkLmV4YW1wbGUudGVzdDAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIC
            hDAdBgNVHQ4EFgQUBEkfCR1iV+uPXXTqWGAiuabuuUwwCgYIKoZIzj0EAwIDSAAw
            RQIhAJmt1io5feeI7vltaYTsqD+g+iUd2BZgCQI3fssoKKoRAiBAwHXqn/9dcnZu
            tnktvpdot1iXgHwIwE4MNY5cJ94faA==
            -----END CERTIFICATE-----

            """,
        privateKeyPEM: """
            -----BEGIN PRIVATE KEY-----
            MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgfTx7kMHsAlvupknL
            tGHtVJb8wnp8k6rmavN+3QZc4yGhRANCAAQdGvnizyHz49iykiOqRIT6e9jyQvx7
            MVZSif/2/x7AuDyHz7b/3N90Yzyy0Yf+VEV51b6wHbO48iX7w/Pube4h
            -----END PRIVATE KEY-----

            """,
        commonName: "expired.example.test",
        organization: "Preflight Test",
        validFrom: "2020-01-01",
        validUntil: "2021-01-01")
}
