/// Text a peer sent (an error message, a code, a name), made fit for a report. The one rule for
/// quoting a peer anywhere in Preflight:
///
/// 1. the ping's own secrets are removed first (``Redactor``), so a cut can never leave part of one;
/// 2. control characters (C0, DEL, C1), invisible formatting characters (bidirectional overrides,
///    zero-width characters) and every run of white space become one space; leading and trailing space is dropped;
/// 3. the result is cut to ``maximumLength`` characters, and ``ellipsis`` is appended when it was cut.
///
/// Short previews of a body (``quote(_:redactor:limit:)`` with a smaller `limit`) follow the same rule
/// with a shorter cut. Pure.
public enum PeerText {
    /// The most characters of a peer's text a report quotes.
    public static let maximumLength = 300
    /// What marks a cut.
    public static let ellipsis = "…"

    /// `text` quoted by the rule, with `secrets` removed (secrets shorter than 6 characters are
    /// ignored, so that a short value cannot mangle ordinary words).
    public static func quote(_ text: String, scrubbing secrets: [String] = [], limit: Int = maximumLength) -> String {
        quote(text, redactor: Redactor(secrets: secrets.filter { $0.count >= 6 }), limit: limit)
    }

    /// `text` quoted by the rule, with the secrets `redactor` knows removed.
    public static func quote(_ text: String, redactor: Redactor, limit: Int = maximumLength) -> String {
        var visible = String.UnicodeScalarView()
        for scalar in redactor.redact(text).unicodeScalars {
            visible.append(isInvisible(scalar) ? " " : scalar)
        }
        let limit = max(0, min(limit, maximumLength))
        var folded = ""
        var kept = 0
        var pendingSpace = false
        for character in String(visible) {
            if character.isWhitespace {
                pendingSpace = kept > 0
                continue
            }
            if pendingSpace {
                folded.append(" ")
                kept += 1
                pendingSpace = false
            }
            folded.append(character)
            kept += 1
            // One character past the limit is enough to know that the text is cut.
            if kept > limit { break }
        }
        guard kept > limit else { return folded }
        return String(folded.prefix(limit)).trimmingTrailingSpace + ellipsis
    }

    /// Control characters (C0, DEL, C1), bidirectional overrides and isolates, zero-width characters
    /// and the byte-order mark: shown as a space.
    static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00..<0x20, 0x7F...0x9F, 0x061C, 0x200B...0x200F, 0x202A...0x202E, 0x2060...0x2069, 0xFEFF: true
        default: false
        }
    }
}

extension String {
    fileprivate var trimmingTrailingSpace: String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
