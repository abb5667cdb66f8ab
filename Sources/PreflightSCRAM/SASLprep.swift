import Foundation

/// SASLprep (RFC 4013, the "SASLprep" profile of stringprep, RFC 3454) for SCRAM-SHA-256 passwords.
///
/// What is implemented: ASCII passwords pass unchanged (printable ASCII is its own SASLprep), which
/// covers the passwords MongoDB users are normally given. For other passwords: non-ASCII spaces
/// (table C.1.2) become U+0020, the "commonly mapped to nothing" characters (table B.1) are removed,
/// the result is NFKC-normalised, and the prohibited characters of tables C.2-C.9 are refused. What is
/// not: the bidirectional-text rule (RFC 3454 section 6) and the unassigned-code-point check (table A.1),
/// so a password mixing right-to-left and left-to-right text is not rejected here as the server would.
public enum SASLprep {
    /// The prepared string, or nil when it contains a prohibited character (the caller says so without echoing it).
    public static func prepare(_ input: String) -> String? {
        if input.utf8.allSatisfy({ $0 < 0x80 }) {
            return input.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F }) ? input : nil
        }
        var mapped = String.UnicodeScalarView()
        for scalar in input.unicodeScalars {
            if isNonASCIISpace(scalar.value) {
                mapped.append(" ")
            } else if !isMappedToNothing(scalar.value) {
                mapped.append(scalar)
            }
        }
        let normalized = String(mapped).precomposedStringWithCompatibilityMapping
        for scalar in normalized.unicodeScalars where isProhibited(scalar.value) || isNonASCIISpace(scalar.value) {
            return nil
        }
        return normalized
    }

    /// RFC 3454 table C.1.2.
    static func isNonASCIISpace(_ v: UInt32) -> Bool {
        v == 0x00A0 || v == 0x1680 || (0x2000...0x200B).contains(v) || v == 0x202F || v == 0x205F || v == 0x3000
    }

    /// RFC 3454 table B.1.
    static func isMappedToNothing(_ v: UInt32) -> Bool {
        v == 0x00AD || v == 0x034F || v == 0x1806 || (0x180B...0x180D).contains(v) || (0x200B...0x200D).contains(v)
            || v == 0x2060 || (0xFE00...0xFE0F).contains(v) || v == 0xFEFF
    }

    /// RFC 3454 tables C.2.1, C.2.2, C.3, C.4, C.5, C.6, C.7, C.8 and C.9.
    static func isProhibited(_ v: UInt32) -> Bool {
        if v < 0x20 || v == 0x7F { return true }  // C.2.1
        if (0x80...0x9F).contains(v) || v == 0x06DD || v == 0x070F || v == 0x180E || (0x200C...0x200D).contains(v)
            || (0x2028...0x2029).contains(v) || (0x2060...0x2063).contains(v) || (0x206A...0x206F).contains(v)
            || v == 0xFEFF || (0xFFF9...0xFFFC).contains(v) || (0x1D173...0x1D17A).contains(v)
        {
            return true
        }  // C.2.2
        if (0xE000...0xF8FF).contains(v) || (0xF0000...0xFFFFD).contains(v) || (0x100000...0x10FFFD).contains(v) {
            return true
        }  // C.3
        if (0xFDD0...0xFDEF).contains(v) || (v & 0xFFFE) == 0xFFFE { return true }  // C.4
        if (0xD800...0xDFFF).contains(v) { return true }  // C.5
        if (0xFFF9...0xFFFD).contains(v) { return true }  // C.6
        if (0x2FF0...0x2FFB).contains(v) { return true }  // C.7
        // C.8
        if v == 0x0340 || v == 0x0341 || v == 0x200E || v == 0x200F || (0x202A...0x202E).contains(v) { return true }
        if v == 0xE0001 || (0xE0020...0xE007F).contains(v) { return true }  // C.9
        return false
    }
}
