import Foundation
import PreflightCore
import Testing
import _CryptoExtras

@testable import PreflightGoogle

@Suite struct GoogleServiceAccountTests {
    private static let pem = GoogleTestKeys.registered.pkcs8PEMRepresentation

    /// The message of the InvalidConfig `body` throws; fails the test when it does not throw.
    private func message(_ body: () throws(InvalidConfig) -> Void, sourceLocation: SourceLocation = #_sourceLocation)
        -> String
    {
        do {
            try body()
            Issue.record("no InvalidConfig thrown", sourceLocation: sourceLocation)
            return ""
        } catch {
            expectNoKey(in: error.message, sourceLocation: sourceLocation)
            return error.message
        }
    }

    private func expectNoKey(in text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for line in Self.pem.split(separator: "\n") where line.count >= 40 {
            #expect(!text.contains(line), "the key leaked: \(text)", sourceLocation: sourceLocation)
        }
    }

    private func parse(_ overrides: [String: JSONValue?]) -> String {
        message { () throws(InvalidConfig) in
            _ = try GoogleServiceAccount.parse(GoogleTesting.keyFile(overrides: overrides))
        }
    }

    @Test func readsAKeyFile() throws {
        let account = try GoogleServiceAccount.parse(GoogleTesting.keyFile())
        #expect(account.clientEmail == GoogleTesting.email)
        #expect(account.privateKeyID == GoogleTestKeys.registeredKeyID)
        #expect(account.tokenURI == "https://oauth2.googleapis.com/token")
        #expect(account.projectID == "acme-data")
        #expect(
            account.privateKey.publicKey.pkcs1DERRepresentation
                == GoogleTestKeys.registered.publicKey.pkcs1DERRepresentation)
    }

    @Test func defaultsTheTokenURI() throws {
        let account = try GoogleServiceAccount.parse(GoogleTesting.keyFile(tokenURI: nil))
        #expect(account.tokenURI == GoogleServiceAccount.defaultTokenURI)
    }

    @Test func acceptsTheFileAsAnObjectToo() throws {
        let value = try #require(JSONValue.parse(Array(GoogleTesting.keyFile().utf8)))
        #expect(try GoogleServiceAccount.from(value).clientEmail == GoogleTesting.email)
        #expect(
            message { () throws(InvalidConfig) in _ = try GoogleServiceAccount.from(.number(3)) }.contains(
                "not a number"))
    }

    @Test func acceptsAKeyWhoseLineBreaksWereEscapedTwice() throws {
        let flat = Self.pem.replacingOccurrences(of: "\n", with: "\\n")
        let account = try GoogleServiceAccount.parse(GoogleTesting.keyFile(overrides: ["private_key": .string(flat)]))
        #expect(account.clientEmail == GoogleTesting.email)
    }

    @Test func acceptsAPKCS1Key() throws {
        let account = try GoogleServiceAccount.parse(
            GoogleTesting.keyFile(overrides: ["private_key": .string(GoogleTestKeys.registered.pemRepresentation)]))
        #expect(account.privateKeyID == GoogleTestKeys.registeredKeyID)
    }

    @Test func pointsAtBrokenJSONWithoutQuotingIt() {
        let file = GoogleTesting.keyFile()
        let broken = file.replacingOccurrences(of: "\"client_email\"", with: "\"client_email\",")
        let text = message { () throws(InvalidConfig) in _ = try GoogleServiceAccount.parse(broken) }
        #expect(text.hasPrefix("sharedConfig.credentialsData is not JSON (error at character "))
        #expect(text.contains("expected ':' after the member name"))
        #expect(!text.contains(GoogleTesting.email))
        let short = message { () throws(InvalidConfig) in
            _ = try GoogleServiceAccount.parse(#"{"type": "service_account",, "x": 1}"#)
        }
        #expect(
            short
                == "sharedConfig.credentialsData is not JSON (error at character 28: expected a member name in double quotes)"
        )
    }

    @Test func explainsAPEMWithRealLineBreaksInsideTheJSON() {
        let file = #"{"type": "service_account", "private_key": "\#(Self.pem)"}"#
        let text = message { () throws(InvalidConfig) in _ = try GoogleServiceAccount.parse(file) }
        #expect(text.contains("is not JSON"))
        #expect(text.contains("must be written \\n"))
    }

    @Test func recognisesWhatWasPastedInstead() {
        let base64 = Data(GoogleTesting.keyFile().utf8).base64EncodedString()
        #expect(
            message { () throws(InvalidConfig) in _ = try GoogleServiceAccount.parse(base64) }.contains(
                "base64-encoded"))
        #expect(
            message { () throws(InvalidConfig) in _ = try GoogleServiceAccount.parse("/home/me/keys/loader.json") }
                .contains("file path"))
        #expect(
            message { () throws(InvalidConfig) in _ = try GoogleServiceAccount.parse(Self.pem) }.contains(
                "bare PEM key"))
        #expect(
            message { () throws(InvalidConfig) in _ = try GoogleServiceAccount.parse("[1, 2]") }.contains(
                "must be a JSON object"))
        #expect(
            message { () throws(InvalidConfig) in
                _ = try GoogleServiceAccount.parse(
                    String(repeating: " ", count: 10) + "{\"a\":\"" + String(repeating: "x", count: 70_000) + "\"}")
            }.contains("bytes; a service-account key file is about"))
    }

    @Test func checksTheType() {
        #expect(parse(["type": nil]).contains("sharedConfig.credentialsData.type is missing"))
        #expect(parse(["type": .string("authorized_user")]).contains("user credential"))
        #expect(parse(["type": .string("external_account")]).contains("workload identity federation"))
        #expect(parse(["type": .string("impersonated_service_account")]).contains("impersonation"))
        #expect(parse(["type": .string("robot")]).contains("must be \"service_account\""))
        #expect(parse(["type": .number(1)]) == "sharedConfig.credentialsData.type must be a string, not a number")
    }

    @Test func namesEachMissingOrWrongField() {
        #expect(parse(["client_email": nil]) == "sharedConfig.credentialsData.client_email is missing")
        #expect(parse(["client_email": .string("")]) == "sharedConfig.credentialsData.client_email is missing")
        #expect(parse(["client_email": .string("loader")]).contains("client_email is not an email address"))
        #expect(parse(["client_email": .array([])]).contains("client_email must be a string, not an array"))
        #expect(parse(["private_key_id": nil]) == "sharedConfig.credentialsData.private_key_id is missing")
        #expect(parse(["private_key_id": .string("abc def")]).contains("private_key_id must be the key's id"))
        #expect(parse(["private_key": nil]) == "sharedConfig.credentialsData.private_key is missing")
        #expect(
            parse(["private_key": .number(42)])
                == "sharedConfig.credentialsData.private_key must be a string, not a number")
        #expect(parse(["project_id": .bool(true)]).contains("project_id must be a string"))
    }

    @Test func refusesKeysThatAreNotUsableRSAKeys() {
        #expect(
            parse(["private_key": .string("hunter2-not-a-key")])
                == "sharedConfig.credentialsData.private_key is not a PEM RSA private key (no -----BEGIN PRIVATE KEY----- line)"
        )
        let damaged = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC!!!!\n-----END PRIVATE KEY-----\n"
        #expect(parse(["private_key": .string(damaged)]).contains("sharedConfig.credentialsData.private_key"))
        let truncated = String(Self.pem.prefix(400)) + "\n-----END PRIVATE KEY-----\n"
        #expect(parse(["private_key": .string(truncated)]).contains("sharedConfig.credentialsData.private_key"))
        #expect(
            parse(["private_key": .string("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIA==\n-----END EC PRIVATE KEY-----")]
            ).contains("not an RSA"))
        #expect(
            parse([
                "private_key": .string(
                    "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIE\n-----END ENCRYPTED PRIVATE KEY-----")
            ]).contains("encrypted"))
        #expect(
            parse(["private_key": .string(GoogleTestKeys.registered.publicKey.pemRepresentation)]).contains(
                "public key"))
    }

    @Test func wantsAnHTTPSTokenURI() {
        #expect(
            parse(["token_uri": .string("http://oauth2.googleapis.com/token")])
                == "sharedConfig.credentialsData.token_uri must be an https:// URL (credentials are sent to it)")
        #expect(
            parse(["token_uri": .string("https://user:pw@oauth2.example/token")]).contains("credentialsData.token_uri"))
        #expect(
            parse(["token_uri": .string("https://oauth2.example/token?secret=1")]).contains("without a query string"))
    }
}
