import Testing

@testable import PreflightStore

@Suite("API key format")
struct APIKeyGeneratorTests {
    @Test("keys are arsk_ plus 40 URL-safe characters")
    func format() {
        let key = APIKeyGenerator.generate()
        #expect(key.hasPrefix("arsk_"))
        #expect(key.count == 45)
        #expect(key.dropFirst(5).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        #expect(APIKeyGenerator.isWellFormed(key))
        #expect(APIKeyGenerator.displayPrefix(of: key) == String(key.prefix(12)))
    }

    @Test("keys do not repeat and use the whole alphabet")
    func randomness() {
        let keys = (0..<2000).map { _ in APIKeyGenerator.generate() }
        #expect(Set(keys).count == keys.count)
        let used = Set(keys.flatMap { $0.dropFirst(5) })
        #expect(used == Set(APIKeyGenerator.alphabet))
    }

    @Test(
        "well-formedness",
        arguments: [
            ("arsk_" + String(repeating: "a", count: 40), true),
            ("arsk_" + String(repeating: "-", count: 20) + String(repeating: "_", count: 20), true),
            ("arsk_" + String(repeating: "a", count: 39), false),
            ("arsk_" + String(repeating: "a", count: 41), false),
            ("ARSK_" + String(repeating: "a", count: 40), false),
            ("arsk_" + String(repeating: "a", count: 39) + "=", false),
            ("arsk_" + String(repeating: "a", count: 39) + "/", false),
            ("arsk_" + String(repeating: "a", count: 39) + "ä", false),
            ("", false),
        ])
    func wellFormed(_ key: String, _ expected: Bool) {
        #expect(APIKeyGenerator.isWellFormed(key) == expected)
    }

    @Test("the stored hash is lowercase hex SHA-256")
    func hash() {
        #expect(APIKeyGenerator.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let key = APIKeyGenerator.generate()
        #expect(APIKeyGenerator.hash(key).count == 64)
        #expect(APIKeyGenerator.hash(key) == APIKeyGenerator.hash(key))
        #expect(APIKeyGenerator.hash(key) != APIKeyGenerator.hash(APIKeyGenerator.generate()))
    }
}
