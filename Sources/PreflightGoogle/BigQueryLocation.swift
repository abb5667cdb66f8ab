import PreflightCore

/// BigQuery locations: the multi-regions `US` and `EU`, or a region such as `europe-west2`. Pure.
enum BigQueryLocation {
    /// The location in BigQuery's own spelling (multi-regions upper case, regions lower case), or an
    /// error naming `key` when the text does not have the shape of one.
    static func validate(_ text: String, key: String) throws(InvalidConfig) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let lower = trimmed.lowercased()
        if lower == "us" || lower == "eu" { return trimmed.uppercased() }
        if isRegion(lower) { return lower }
        if let dash = lower.lastIndex(of: "-"), isRegion(String(lower[..<dash])),
            lower[lower.index(after: dash)...].count == 1
        {
            throw InvalidConfig("\(key) is a zone; BigQuery locations are US, EU or a region such as \(lower[..<dash])")
        }
        throw InvalidConfig(
            "\(key) must be a BigQuery location: US, EU, or a region such as europe-west2 or us-central1")
    }

    /// `europe-west2`, `us-central1`, `northamerica-northeast1`: letters, a dash, letters, then a number.
    static func isRegion(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, text.count <= 40 else { return false }
        let area = parts[0]
        let place = parts[1]
        guard !area.isEmpty, area.allSatisfy({ $0.isASCII && $0.isLowercase }) else { return false }
        let letters = place.prefix { $0.isASCII && $0.isLowercase }
        let digits = place.dropFirst(letters.count)
        return !letters.isEmpty && !digits.isEmpty && digits.count <= 3
            && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Whether two locations name the same place (BigQuery compares them without regard to case).
    static func same(_ left: String, _ right: String) -> Bool {
        left.lowercased() == right.lowercased()
    }
}
