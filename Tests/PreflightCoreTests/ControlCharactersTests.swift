import PreflightCore
import Testing

@Suite("Control characters by value")
struct ControlCharactersTests {
    /// The value ranges are Unicode's general category Cc, for every scalar there is.
    @Test func isControlCharacterIsGeneralCategoryCc() {
        var mismatches: [UInt32] = []
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            if scalar.isControlCharacter != (scalar.properties.generalCategory == .control) { mismatches.append(value) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    @Test func containsControlCharacter() {
        #expect(!"db.example.com".containsControlCharacter)
        #expect(!"bücher.example, \u{200B}, \u{A0}".containsControlCharacter)
        #expect("a\u{0}b".containsControlCharacter)
        #expect("line\nbreak".containsControlCharacter)
        #expect("c1\u{85}".containsControlCharacter)
        #expect("del\u{7F}"[...].containsControlCharacter)
    }
}
