import PreflightCore

/// Text a peer sent, made fit for a report: the ping's own secrets removed, control characters and
/// runs of white space folded, and cut to a readable length. Pure.
enum PeerText {
    static let maximumLength = 300

    static func quote(_ text: String, scrubbing secrets: [String] = []) -> String {
        let result = Redactor(secrets: secrets.filter { $0.count >= 6 }).redact(text)
        var folded = ""
        var lastWasSpace = false
        for scalar in result.unicodeScalars {
            let isSpace = scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7F
            if isSpace {
                if !lastWasSpace && !folded.isEmpty { folded.unicodeScalars.append(" ") }
                lastWasSpace = true
            } else {
                folded.unicodeScalars.append(scalar)
                lastWasSpace = false
            }
        }
        folded = String(folded.reversed().drop(while: { $0 == " " }).reversed())
        if folded.count > maximumLength { folded = String(folded.prefix(maximumLength)) + "…" }
        return folded
    }
}
