import Foundation
import PreflightCore
import Testing

/// Secrets as a peer might echo them, a key file sent as an object, and the bound on secret keys.
@Suite("Redactor: every form a secret comes back in")
struct RedactorEncodingTests {
    static let secret = #"Pl/an+ted="Sécret"\9"#

    @Test(
        "encoded forms are masked",
        arguments: [
            secret,
            #"Pl\/an+ted=\"Sécret\"\\9"#,  // JSON, as Foundation escapes it
            #"Pl/an+ted=\"Sécret\"\\9"#,  // JSON without escaped slashes
            "Pl%2Fan%2Bted%3D%22S%C3%A9cret%22%5C9",  // percent-encoded
            Data(secret.utf8).base64EncodedString(),
            Data(secret.utf8).base64EncodedString().trimmingCharacters(in: CharacterSet(charactersIn: "=")),
        ])
    func encodedForms(_ echoed: String) {
        let redactor = Redactor(config: SharedConfig(strings: ["password": Self.secret]))
        let text = "the server said: \(echoed) (end)"
        #expect(redactor.redact(text) == "the server said: [redacted] (end)", "\(redactor.redact(text))")
    }

    @Test func aKeyFileSentAsAnObjectIsMaskedField_by_field() {
        let key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"
        let config = SharedConfig([
            "credentialsData": .object([
                "type": .string("service_account"), "private_key": .string(key),
                "private_key_id": .string("0123456789abcdef0123"),
                "client_email": .string("loader@p.iam.gserviceaccount.com"),
            ])
        ])
        let redactor = Redactor(config: config)
        #expect(redactor.redact("id 0123456789abcdef0123 used") == "id [redacted] used")
        #expect(redactor.redact(key) == "[redacted]")
        #expect(redactor.redact("a service_account key") == "a service_account key", "a non-secret field was masked")
    }

    @Test func shortSecretsOnlyAsWholeWordsAndNeverInsideACharacter() {
        let redactor = Redactor(secrets: ["pg", "é"])
        #expect(redactor.redact("PostgreSQL pg pgbouncer") == "PostgreSQL [redacted] pgbouncer")
        #expect(redactor.redact("café é") == "café [redacted]")
    }

    @Test func theLongestSecretAtAPlaceWins() {
        let redactor = Redactor(secrets: ["abcdef", "abcdefghij"])
        #expect(redactor.redact("xabcdefghijx abcdefx") == "x[redacted]x [redacted]x")
    }

    @Test func manySecretKeysAreRefused() throws {
        var config: [String: String] = [:]
        for index in 0..<(Redactor.maximumSecretKeys + 1) { config["password\(index)"] = "value\(index)" }
        let body = try JSONEncoder().encode([
            "type": JSONValue.string("postgresql"), "sharedConfig": .object(config.mapValues { .string($0) }),
        ])
        #expect(throws: InvalidConfig.self) { try ConnectorPayload.decode(json: body) }
        config.removeValue(forKey: "password0")
        let fits = try JSONEncoder().encode([
            "type": JSONValue.string("postgresql"), "sharedConfig": .object(config.mapValues { .string($0) }),
        ])
        _ = try ConnectorPayload.decode(json: fits)
    }

    /// 32 secrets over a 1 MiB text: one pass (a trie), so this is as quick as the text is long.
    @Test func manySecretsOverALongTextStayCorrect() {
        let secrets = (0..<32).map { "secret-number-\($0)-value" }
        let redactor = Redactor(secrets: secrets)
        let text = String(repeating: "secret-number-", count: 50_000) + secrets[31] + "!"
        let redacted = redactor.redact(text)
        #expect(redacted.hasSuffix("[redacted]!"))
        #expect(!redacted.contains("value"))
    }
}
