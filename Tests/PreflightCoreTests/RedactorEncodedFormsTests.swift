import Testing

@testable import PreflightCore

/// The fast encoded forms of an ASCII secret are exactly Foundation's.
struct RedactorEncodedFormsTests {
    static let printable = (0x20..<0x7F).map { Character(UnicodeScalar(UInt8($0))) }

    @Test("every printable ASCII character, alone and inside a secret")
    func everyCharacter() throws {
        for character in Self.printable {
            for secret in ["abc\(character)def", "\(character)\(character)\(character)xyz9", "Zz0\(character)"] {
                let fast = try #require(Redactor.asciiEncodedForms(of: secret))
                #expect(fast == Redactor.foundationEncodedForms(of: secret), "secret \(secret)")
            }
        }
        let all = String(Self.printable)
        #expect(Redactor.asciiEncodedForms(of: all) == Redactor.foundationEncodedForms(of: all))
    }

    @Test("random printable secrets of every base64 padding")
    func random() throws {
        var generator = SystemRandomNumberGenerator()
        for length in 6..<70 {
            let secret = String((0..<length).map { _ in Self.printable.randomElement(using: &generator)! })
            #expect(Redactor.asciiEncodedForms(of: secret) == Redactor.foundationEncodedForms(of: secret), "\(secret)")
        }
    }

    @Test("non-ASCII or control characters go the Foundation way")
    func fallback() {
        #expect(Redactor.asciiEncodedForms(of: "pässwörd-1") == nil)
        #expect(Redactor.asciiEncodedForms(of: "line\nbreak-key") == nil)
        #expect(Redactor.encodedForms(of: "pässwörd-1") == Redactor.foundationEncodedForms(of: "pässwörd-1"))
    }

    @Test("a URL's password is found after the first ://")
    func urlPassword() {
        #expect(Redactor.urlPassword(in: "postgres://u:s3cret@h:5432/db") == "s3cret")
        #expect(Redactor.urlPassword(in: "mongodb+srv://u:p%40ss@cluster/x?a=b") == "p%40ss")
        #expect(Redactor.urlPassword(in: "a:b:c://u:pw@h") == "pw")
        #expect(Redactor.urlPassword(in: "no scheme:here@host") == nil)
        #expect(Redactor.urlPassword(in: "https://host/path") == nil)
        #expect(Redactor.urlPassword(in: "://") == nil)
    }

    @Test("secret key names: case, underscores and dashes ignored")
    func keys() {
        #expect(Redactor.isSecretKey("AWS_Secret-Access_Key"))
        #expect(Redactor.isSecretKey("PRIVATE_KEY"))
        #expect(!Redactor.isSecretKey("aws_access_key_id"))
        #expect(!Redactor.isSecretKey("Client-ID"))
        #expect(!Redactor.isSecretKey("host"))
    }

    /// The matcher's first-byte filter: every byte in and out, across the four 64-bit words.
    @Test func byteSetHoldsExactlyWhatWasInserted() {
        var set = ByteSet()
        let inserted: Set<UInt8> = [0, 1, 63, 64, 127, 128, 191, 192, 254, 255, 0x41]
        for byte in inserted { set.insert(byte) }
        for byte in UInt8.min...UInt8.max {
            #expect(set.contains(byte) == inserted.contains(byte), "byte \(byte)")
        }
    }
}
