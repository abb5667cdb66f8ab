import Foundation
import Testing

@testable import PreflightStore

@Suite("Secret sealer")
struct SecretSealerTests {
    static let tunnel = UUID()
    static var associatedData: String { SecretSealer.associatedData(forTunnel: tunnel) }

    @Test("sealing round-trips; the sealed form is version 1, nonce, ciphertext, tag")
    func roundTrip() throws {
        let sealer = SecretSealer(MasterKey.generate())
        let plaintext = TunnelSamples.plaintextKey
        let sealed = try sealer.seal(plaintext, associatedData: Self.associatedData)
        #expect(sealed.count == 1 + 12 + plaintext.count + 16)
        #expect(sealed.first == 1)
        #expect(SecretSealer.looksSealed(sealed))
        #expect(!contains(Array(sealed), Array(plaintext)))
        #expect(try sealer.open(sealed, associatedData: Self.associatedData) == plaintext)

        // A fresh nonce every time.
        let again = try sealer.seal(plaintext, associatedData: Self.associatedData)
        #expect(again != sealed)
        #expect(again.dropFirst().prefix(12) != sealed.dropFirst().prefix(12))
        #expect(try sealer.open(again, associatedData: Self.associatedData) == plaintext)

        // Any size, including empty; and slices with non-zero start indices.
        for size in [0, 1, 31, 4096, 65_536] {
            let data = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            let box = try sealer.seal(data, associatedData: "size-\(size)")
            #expect(box.count == SecretSealer.overheadByteCount + size)
            #expect(try sealer.open(box, associatedData: "size-\(size)") == data)
            let padded = Data([0xEE, 0xEE]) + box
            #expect(try sealer.open(padded.dropFirst(2), associatedData: "size-\(size)") == data)
        }

        // A second sealer with the same key opens it (what a restarted instance does).
        let key = try MasterKey(base64: Data(repeating: 0x42, count: 32).base64EncodedString())
        let one = try SecretSealer(key).seal(plaintext, associatedData: "x")
        let other = SecretSealer(try MasterKey(base64: Data(repeating: 0x42, count: 32).base64EncodedString()))
        #expect(try other.open(one, associatedData: "x") == plaintext)
    }

    @Test("any altered byte is detected")
    func tamperDetection() throws {
        let sealer = SecretSealer(MasterKey.generate())
        let sealed = try sealer.seal(TunnelSamples.plaintextKey, associatedData: Self.associatedData)
        for index in sealed.indices {
            for flip: UInt8 in [0x01, 0x80] {
                var altered = sealed
                altered[index] ^= flip
                let error = #expect(throws: StoreError.self, "byte \(index)") {
                    try sealer.open(altered, associatedData: Self.associatedData)
                }
                #expect(error?.kind == .corruptData)
            }
        }
        for length in [0, 1, 12, 28, sealed.count - 1] {
            let error = #expect(throws: StoreError.self, "truncated to \(length)") {
                try sealer.open(sealed.prefix(length), associatedData: Self.associatedData)
            }
            #expect(error?.kind == .corruptData)
        }
        let extended = #expect(throws: StoreError.self) {
            try sealer.open(sealed + Data([0]), associatedData: Self.associatedData)
        }
        #expect(extended?.kind == .corruptData)
        var version = sealed
        version[0] = 2
        let unknown = #expect(throws: StoreError.self) { try sealer.open(version, associatedData: Self.associatedData) }
        #expect(unknown?.message.contains("format version 2") == true, "\(unknown?.message ?? "")")
    }

    @Test("other associated data does not open it")
    func wrongAssociatedData() throws {
        let sealer = SecretSealer(MasterKey.generate())
        let sealed = try sealer.sealPrivateKey(TunnelSamples.plaintextKey, forTunnel: Self.tunnel)
        for other in [
            SecretSealer.associatedData(forTunnel: UUID()), Self.tunnel.uuidString.uppercased(), "",
            Self.associatedData + " ",
        ] {
            let error = #expect(throws: StoreError.self) { try sealer.open(sealed, associatedData: other) }
            #expect(error?.kind == .corruptData)
            #expect(
                error?.message.contains("cannot be decrypted with this master key") == true, "\(error?.message ?? "")")
        }
        #expect(SecretSealer.associatedData(forTunnel: Self.tunnel) == Self.tunnel.uuidString.lowercased())
        #expect(
            try sealer.open(sealed, associatedData: Self.tunnel.uuidString.lowercased()) == TunnelSamples.plaintextKey)
    }

    @Test("another key does not open it, and the error shows no key material")
    func wrongKey() throws {
        let keyText = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let right = SecretSealer(try MasterKey(base64: keyText))
        let wrongText = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let wrong = SecretSealer(try MasterKey(base64: wrongText))
        let sealed = try right.seal(TunnelSamples.plaintextKey, associatedData: Self.associatedData)
        let error = #expect(throws: StoreError.self) { try wrong.open(sealed, associatedData: Self.associatedData) }
        #expect(error?.kind == .corruptData)
        let message = error?.message ?? ""
        #expect(message.contains("cannot be decrypted with this master key"), "\(message)")
        for secret in [keyText, wrongText] + TunnelSamples.leakForms(of: TunnelSamples.plaintextKey) {
            #expect(!message.contains(secret))
            #expect(!String(reflecting: error as Any).contains(secret))
        }
        #expect(try right.open(sealed, associatedData: Self.associatedData) == TunnelSamples.plaintextKey)
    }
}
