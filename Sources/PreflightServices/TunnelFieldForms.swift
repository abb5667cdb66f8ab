import Foundation

/// The exact forms of a tunnel's fields, as `openapi.yaml` declares them (its `pattern`s say the same),
/// so that whatever the spec calls valid the service accepts and whatever it calls invalid is a 400.
enum TunnelFieldForms {
    /// A host name (ASCII labels of letters, digits, `_` and `-`, none starting or ending with `-`,
    /// an optional final dot), an IPv4 address, or an IPv6 address (hex digits, colons, dots).
    /// At most 253 characters (checked apart).
    static var host: Regex<Substring> {
        #/(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?|[0-9A-Fa-f.]*:[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)/#
    }
    /// A login name: the POSIX portable characters, at most 64, not starting with `-`.
    static var username: Regex<Substring> { #/[A-Za-z0-9._][A-Za-z0-9._-]{0,63}/# }
    // A host key fingerprint's form is `SSHFingerprint.isWellFormed` (PreflightSSH).

    /// Whether `text` has a character a name may not hold: C0 and C1 controls, Unicode format characters
    /// (zero-width and direction marks, the BOM, soft hyphen, ...) and Foundation's other control
    /// characters (the store's rule; beyond those categories, plane 14).
    static func hasControlOrFormat(_ text: String) -> Bool {
        text.unicodeScalars.contains { scalar in
            let category = scalar.properties.generalCategory
            return category == .control || category == .format || CharacterSet.controlCharacters.contains(scalar)
                || (0xE0000...0xEFFFF).contains(scalar.value)
        }
    }
}
