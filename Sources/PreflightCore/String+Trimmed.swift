import Foundation

extension StringProtocol {
    /// The text without leading and trailing white space: the result of
    /// `trimmingCharacters(in: newlines ? .whitespacesAndNewlines : .whitespaces)`, without Foundation's
    /// string bridging when the ends are ASCII (every request trims several values; Foundation's trim was
    /// a twentieth of the service's CPU per ping). Any non-ASCII scalar at an end goes the Foundation way.
    public func trimmed(newlines: Bool = true) -> String {
        let scalars = unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        func isSpace(_ scalar: Unicode.Scalar) -> Bool? {
            guard scalar.isASCII else { return nil }
            switch scalar {
            case " ", "\t": return true
            case "\n", "\r", "\u{0B}", "\u{0C}": return newlines
            default: return false
            }
        }
        while start < end {
            guard let space = isSpace(scalars[start]) else { return foundationTrimmed(newlines: newlines) }
            if !space { break }
            start = scalars.index(after: start)
        }
        while start < end {
            let last = scalars.index(before: end)
            guard let space = isSpace(scalars[last]) else { return foundationTrimmed(newlines: newlines) }
            if !space { break }
            end = last
        }
        // Scalar indices are string indices: the slice is copied whole, not scalar by scalar.
        return String(self[start..<end])
    }

    private func foundationTrimmed(newlines: Bool) -> String {
        trimmingCharacters(in: newlines ? .whitespacesAndNewlines : .whitespaces)
    }
}
