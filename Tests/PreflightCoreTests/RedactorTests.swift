import Foundation
import PreflightCore
import Testing

@Suite("Redactor")
struct RedactorTests {
    static let mask = Redactor.mask

    @Test func plantedSecretsInEverySecretKey() {
        let config = SharedConfig(strings: [
            "host": "db.example.com",
            "user": "artie",
            "password": "planted-Secret-9876",
            "apiToken": "tok_live_0123456789abcdef",
            "privateKey": "-----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-----END PRIVATE KEY-----",
            "sshPassphrase": "correct horse battery staple",
            "awsSecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "clientSecret": "cs-0000-1111-2222",
            "credentialsData": "{\"type\":\"service_account\"}",
            "apiKey": "ak-9f8e7d6c5b4a",
        ])
        let redactor = Redactor(config: config)
        let secrets = [
            "planted-Secret-9876", "tok_live_0123456789abcdef",
            "-----BEGIN PRIVATE KEY-----MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-----END PRIVATE KEY-----",
            "correct horse battery staple", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "cs-0000-1111-2222",
            "{\"type\":\"service_account\"}", "ak-9f8e7d6c5b4a",
        ]
        for secret in secrets {
            let text = "the server said: password \(secret) is wrong; again:\(secret)."
            let redacted = redactor.redact(text)
            #expect(!redacted.contains(secret), "\(redacted)")
            #expect(redacted == "the server said: password \(Self.mask) is wrong; again:\(Self.mask).")
        }
        // Values of keys that are not secrets stay.
        #expect(redactor.redact("user artie at db.example.com") == "user artie at db.example.com")
    }

    @Test func secretKeyNames() {
        for key in [
            "password", "Password", "sshPassword", "apiToken", "authToken", "privateKey", "sshPrivateKey", "passphrase",
            "awsSecretAccessKey", "clientSecret", "credentialsData", "apiKey", "APIKEY",
        ] {
            #expect(Redactor.isSecretKey(key), "\(key)")
        }
        for key in [
            "host", "port", "user", "username", "database", "awsAccessKeyID", "clientID", "sslMode", "sslRootCert",
            "endpoint",
        ] {
            #expect(!Redactor.isSecretKey(key), "\(key)")
        }
    }

    @Test func passwordsInConnectionStrings() {
        let config = SharedConfig(strings: [
            "connectionString": "postgres://artie:url-Pass-4242@db.example.com:5432/app?sslmode=require",
            "url": "mongodb+srv://admin:p%40ss%3Aword@cluster0.example.net/test",
            "other": "redis://:only-password-77@cache:6379/0",
            "weird": "mysql://u:has@at-sign-55@db:3306",
        ])
        let redactor = Redactor(config: config)
        let text = "failed: url-Pass-4242 | p%40ss%3Aword | only-password-77 | has@at-sign-55"
        #expect(redactor.redact(text) == "failed: \(Self.mask) | \(Self.mask) | \(Self.mask) | \(Self.mask)")
        // The rest of the URL is not a secret.
        #expect(redactor.redact("db.example.com:5432 artie") == "db.example.com:5432 artie")
    }

    @Test func shortSecretsOnlyAsWholeWords() {
        let redactor = Redactor(secrets: ["pg", "abc12"])
        #expect(redactor.redact("PostgreSQL on pgbouncer") == "PostgreSQL on pgbouncer")
        #expect(redactor.redact("password pg rejected") == "password \(Self.mask) rejected")
        #expect(redactor.redact("pg") == Self.mask)
        #expect(redactor.redact("(pg)") == "(\(Self.mask))")
        #expect(redactor.redact("xabc12 abc12x abc12_ 1abc12") == "xabc12 abc12x abc12_ 1abc12")
        #expect(redactor.redact("password=abc12;") == "password=\(Self.mask);")
        #expect(redactor.redact("\"abc12\" and abc12.") == "\"\(Self.mask)\" and \(Self.mask).")
    }

    @Test func longSecretsAnywhere() {
        let redactor = Redactor(secrets: ["s3cr3t-value"])
        #expect(redactor.redact("xxs3cr3t-valueyy") == "xx\(Self.mask)yy")
    }

    @Test func longestSecretFirst() {
        let redactor = Redactor(secrets: ["abcdef", "abcdefghij"])
        #expect(redactor.redact("abcdefghij abcdef") == "\(Self.mask) \(Self.mask)")
    }

    @Test func surroundingSpacesInAPassword() {
        let redactor = Redactor(config: SharedConfig(strings: ["password": "  padded-secret  "]))
        #expect(redactor.redact("was '  padded-secret  ' or 'padded-secret'") == "was '\(Self.mask)' or '\(Self.mask)'")
    }

    @Test func emptySecretsAreIgnored() {
        let redactor = Redactor(secrets: ["", ""])
        #expect(redactor.redact("nothing to hide") == "nothing to hide")
        let fromConfig = Redactor(config: SharedConfig(strings: ["password": "", "token": ""]))
        #expect(fromConfig.redact("nothing to hide") == "nothing to hide")
    }

    @Test func reportRedactionCoversEveryFreeTextField() throws {
        let secret = "planted-Secret-9876"
        let report = PingReport(
            ok: false, type: .postgresql, category: .auth, transient: false,
            message: "auth failed for \(secret)", hint: "try another than \(secret)", durationMs: 12,
            dataPlane: "local", target: PingTarget(host: "db.example.com", port: 5432),
            steps: [
                PingStep(
                    name: "auth", status: .failed, durationMs: 3, detail: "sent \(secret)", hint: "hint \(secret)"),
                PingStep(name: "dns", status: .passed, durationMs: 1, detail: nil, hint: nil),
            ],
            checks: [
                ReadinessCheck(
                    name: "wal_level", status: .failed, observed: "saw \(secret)", required: "logical",
                    detail: "detail \(secret)", fix: "fix \(secret)", restartRequired: true)
            ])
        let redacted = Redactor(config: SharedConfig(strings: ["password": secret])).redact(report)
        let json = String(decoding: try JSONEncoder().encode(redacted), as: UTF8.self)
        #expect(!json.contains(secret), "\(json)")
        #expect(redacted.message == "auth failed for \(Self.mask)")
        #expect(redacted.hint == "try another than \(Self.mask)")
        #expect(redacted.steps[0].detail == "sent \(Self.mask)")
        #expect(redacted.steps[0].hint == "hint \(Self.mask)")
        #expect(redacted.steps[1] == report.steps[1])
        #expect(redacted.checks[0].observed == "saw \(Self.mask)")
        #expect(redacted.checks[0].detail == "detail \(Self.mask)")
        #expect(redacted.checks[0].fix == "fix \(Self.mask)")
        // Structure is untouched.
        #expect(redacted.category == .auth)
        #expect(redacted.target == report.target)
        #expect(redacted.checks[0].required == "logical")
    }

    @Test func noSecretsLeavesTheReportAlone() {
        let report = PingReport(ok: true, type: .postgresql, durationMs: 1, dataPlane: "local")
        #expect(Redactor(secrets: []).redact(report) == report)
    }

    /// "café-secret" composed (U+00E9) and decomposed (e + U+0301) are equal Swift strings but different
    /// bytes: both spellings are found, and neither leaves its accent behind.
    @Test func canonicallyEquivalentSpellingsAreBothRedacted() {
        let composed = "caf\u{E9}-secret-1"
        let decomposed = "cafe\u{301}-secret-1"
        #expect(composed == decomposed)
        let redactor = Redactor(secrets: [composed, decomposed])
        let text = "a \(composed) b \(decomposed) c"
        #expect(
            redactor.redact(text) == "a [redacted] b [redacted] c",
            "\(redactor.redact(text).unicodeScalars.map(\.value))")
    }

    /// The longest secret starting at a position wins, and a shorter one still matches where the longer does not.
    @Test func longestFirstThenShorter() {
        let redactor = Redactor(secrets: ["abcdefgh", "abcdefghijkl"])
        #expect(redactor.redact("xabcdefghijklx abcdefghzz") == "x[redacted]x [redacted]zz")
    }
}
