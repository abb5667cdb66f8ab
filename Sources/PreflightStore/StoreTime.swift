import Foundation

/// Dates are stored in both backends as integer milliseconds since 1970-01-01T00:00:00Z.
enum StoreTime {
    /// Now, in stored form.
    static func nowMillis() -> Int64 {
        millis(Date())
    }

    /// `date` in stored form (truncated to the millisecond).
    static func millis(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// The date a stored value stands for. Values written and read back give equal dates.
    static func date(millis: Int64) -> Date {
        Date(timeIntervalSince1970: Double(millis) / 1000)
    }
}

/// UUIDs are stored as lowercase text in both backends.
enum StoreUUID {
    /// `uuid` in stored form.
    static func text(_ uuid: UUID) -> String {
        uuid.uuidString.lowercased()
    }

    /// The UUID a stored value stands for.
    static func parse(_ text: String, column: String) throws -> UUID {
        guard let uuid = UUID(uuidString: text) else {
            throw StoreError(.corruptData, "Column \(column) holds a value that is not a UUID.")
        }
        return uuid
    }
}
