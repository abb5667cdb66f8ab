import PreflightCore
import Testing

@Suite("TLSSettings")
struct TLSSettingsTests {
    @Test func modeProperties() {
        #expect(SSLMode.allCases.map(\.rawValue) == ["disable", "prefer", "require", "verify-ca", "verify-full"])
        #expect(SSLMode.allCases.filter(\.allowsPlaintext) == [.disable, .prefer])
        #expect(SSLMode.allCases.filter(\.verifiesChain) == [.verifyCA, .verifyFull])
    }

    @Test func defaultsWhenAbsent() throws {
        let settings = try TLSSettings.from(SharedConfig(), serverName: "db", default: .prefer, type: .postgresql)
        #expect(settings == TLSSettings(mode: .prefer, rootCertificatesPEM: nil, serverName: "db"))
        let empty = try TLSSettings.from(
            SharedConfig(strings: ["sslMode": "", "sslRootCert": ""]), serverName: "db", default: .require,
            type: .postgresql)
        #expect(empty.mode == .require)
        #expect(empty.rootCertificatesPEM == nil)
    }

    @Test("modes are case-insensitive", arguments: ["VERIFY-FULL", "Verify-Full", "verify-full"])
    func caseInsensitive(_ text: String) throws {
        #expect(
            try TLSSettings.from(
                SharedConfig(strings: ["sslMode": text]), serverName: "db", default: .prefer, type: .postgresql
            ).mode == .verifyFull)
    }

    @Test func minimumRequire() throws {
        for mode in SSLMode.allCases {
            let config = SharedConfig(strings: ["sslMode": mode.rawValue])
            if mode.allowsPlaintext {
                #expect(throws: InvalidConfig.self) {
                    try TLSSettings.from(
                        config, serverName: "db", default: .require, minimum: .require, type: .redshift)
                }
            } else {
                #expect(
                    try TLSSettings.from(
                        config, serverName: "db", default: .require, minimum: .require, type: .redshift
                    ).mode == mode)
            }
        }
    }

    @Test func caBundleUpgradesRequireOnly() throws {
        for mode in SSLMode.allCases {
            let config = SharedConfig(strings: ["sslMode": mode.rawValue, "sslRootCert": TestPEM.certificate])
            let settings = try TLSSettings.from(config, serverName: "db", default: .prefer, type: .postgresql)
            #expect(settings.mode == (mode == .require ? .verifyCA : mode), "\(mode)")
            #expect(settings.rootCertificatesPEM == TestPEM.certificate)
        }
    }

    @Test func caBundleMustBePEM() {
        #expect(
            throws: InvalidConfig("sharedConfig.sslRootCert must be PEM text containing -----BEGIN CERTIFICATE-----")
        ) {
            try TLSSettings.from(
                SharedConfig(strings: ["sslRootCert": "MIIB..."]), serverName: "db", default: .prefer, type: .postgresql
            )
        }
    }
}
