import PreflightCore
import Testing

@Suite("PeerText")
struct PeerTextTests {
    @Test func foldsWhiteSpaceAndControlCharacters() {
        #expect(PeerText.quote("  a\r\n\tb \u{1b}[31mc\u{7f}d\u{85}e  ") == "a b [31mc d e")
        #expect(PeerText.quote("\u{0}\u{1}\n") == "")
    }

    @Test func dropsInvisibleFormatting() {
        #expect(PeerText.quote("evil\u{202E}txt.exe") == "evil txt.exe")
        #expect(PeerText.quote("a\u{200B}b\u{FEFF}") == "a b")
    }

    @Test func cutsAtOneLimitWithOneEllipsis() {
        let long = PeerText.quote(String(repeating: "x", count: 1000))
        #expect(long.count == PeerText.maximumLength + 1)
        #expect(long.hasSuffix(PeerText.ellipsis))
        #expect(PeerText.quote(String(repeating: "y", count: PeerText.maximumLength)).count == PeerText.maximumLength)
        #expect(PeerText.quote("abcdef ghij", limit: 7) == "abcdef" + PeerText.ellipsis)
        // A limit never exceeds the rule's.
        #expect(PeerText.quote(String(repeating: "z", count: 1000), limit: 5000).count == PeerText.maximumLength + 1)
    }

    @Test func removesSecretsBeforeCutting() {
        let secret = "s3cr3t-value-0123456789"
        let text = String(repeating: "a", count: PeerText.maximumLength - 5) + secret
        let quoted = PeerText.quote(text, scrubbing: [secret])
        #expect(!quoted.contains("s3cr"))
        #expect(
            PeerText.quote("token=abcdef123 here", redactor: Redactor(secrets: ["abcdef123"]))
                == "token=[redacted] here")
        // Short values are not treated as secrets by `scrubbing:` (they would mangle ordinary words).
        #expect(PeerText.quote("pg is PostgreSQL", scrubbing: ["pg"]) == "pg is PostgreSQL")
    }
}
