import Foundation
import PreflightCore
import Testing

/// ``PingReport/write(to:)`` is byte-equal to `JSONEncoder` with `.sortedKeys` and `.withoutEscapingSlashes`,
/// over reports with every optional field present or absent, texts with every escape, and many doubles.
struct JSONWriterTests {
    static func foundation(_ report: PingReport) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(report))
    }

    static func ours(_ report: PingReport) -> [UInt8] {
        var json = JSONWriter()
        report.write(to: &json)
        return json.bytes
    }

    static let texts: [String] = [
        "", "plain", "a/b\\c \"quoted\"", "line\nbreak\r\ttab\u{08}\u{0C}", "\u{00}\u{01}\u{1F}\u{7F}", "é ü 日本 🙂",
        "\u{2028}\u{2029}", "</script>", "ORA-01017: invalid username/password; logon denied",
    ]

    static let doubles: [Double] = [
        0, -0.0, 1, 12, 0.5, 1.25, 3.000001, 0.1, 0.2 + 0.1, 123_456.789, 1e-7, 1.5e-5, 2.5e15, 1e16, 1e21, 1.7e308,
        5e-324, 12.345678901234567, 99_999.999_999, 1_000_000, -42.5,
    ]

    @Test("reports of every shape are written byte-equal to JSONEncoder")
    func equivalence() throws {
        var random = SplitMix(seed: 0xC0FF_EE00)
        for round in 0..<400 {
            func text() -> String { Self.texts.randomElement(using: &random)! }
            func maybe<T>(_ value: T) -> T? { Bool.random(using: &random) ? value : nil }
            func number() -> Double {
                Bool.random(using: &random)
                    ? Self.doubles.randomElement(using: &random)!
                    : Double.random(in: 0..<20_000, using: &random)
            }
            let steps = (0..<Int.random(in: 0..<4, using: &random)).map { _ in
                PingStep(
                    name: text(), status: [.passed, .failed, .warning, .skipped].randomElement(using: &random)!,
                    durationMs: number(), detail: maybe(text()), hint: maybe(text()))
            }
            let checks = (0..<Int.random(in: 0..<3, using: &random)).map { _ in
                ReadinessCheck(
                    name: text(), status: .failed, observed: text(), required: text(), detail: maybe(text()),
                    fix: maybe(text()), restartRequired: maybe(Bool.random(using: &random)))
            }
            let target = PingTarget(
                host: text(), port: maybe(Int.random(in: 0...65535, using: &random)),
                addresses: (0..<Int.random(in: 0..<3, using: &random)).map { _ in text() },
                connectedAddress: maybe(text()))
            let report = PingReport(
                ok: round % 3 == 0, type: ConnectorType.allCases.randomElement(using: &random)!,
                category: maybe(FailureCategory.allCases.randomElement(using: &random)!),
                transient: maybe(Bool.random(using: &random)), message: maybe(text()), hint: maybe(text()),
                durationMs: number(), dataPlane: text(), target: maybe(target), steps: steps, checks: checks)
            var withAgent = report
            withAgent.agent = text()
            for candidate in [report, withAgent] {
                let expected = try Self.foundation(candidate)
                let written = Self.ours(candidate)
                #expect(
                    written == expected,
                    "\(String(decoding: written, as: UTF8.self))\n\(String(decoding: expected, as: UTF8.self))")
            }
        }
    }

    /// Every ASCII character alone, at either end and between runs, and runs of escapes side by side: the
    /// writer copies the bytes between escapes as one run, and must place every escape where Foundation does.
    @Test("strings with each ASCII character, at every place, are written as JSONEncoder writes them")
    func everyCharacterAtEveryPlace() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var mismatches: [String] = []
        for value in UInt8(0)...0x7F {
            let c = String(UnicodeScalar(value))
            for text in [c, "ab\(c)", "\(c)ab", "ab\(c)cd", "\(c)\(c)", "é\(c)日\(c)🙂", "\(c)\n\"\\x"] {
                var json = JSONWriter()
                json.string(text)
                if json.bytes != Array(try encoder.encode(text)) { mismatches.append(text) }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.map { $0.unicodeScalars.map { $0.value } })")
    }

    @Test("every double of a wide sample is written as JSONEncoder writes it")
    func doubles() throws {
        var random = SplitMix(seed: 7)
        var values = Self.doubles
        for _ in 0..<2_000 {
            values.append(Double(bitPattern: random.next() & 0x7FEF_FFFF_FFFF_FFFF))
            values.append(Double(Int.random(in: -1_000_000...1_000_000, using: &random)) / 1000)
        }
        for value in values {
            var json = JSONWriter()
            json.number(value)
            let expected = try JSONEncoder().encode([value])
            #expect(
                "[" + String(decoding: json.bytes, as: UTF8.self) + "]" == String(decoding: expected, as: UTF8.self))
        }
    }
}
