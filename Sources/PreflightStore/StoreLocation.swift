import Foundation

/// Where the store lives: an SQLite file (or memory) or a PostgreSQL database.
///
/// Printing a location (`"\(location)"` or `String(reflecting:)`) never shows a password.
public enum StoreLocation: Sendable, Equatable {
    /// An SQLite database file, or `":memory:"` for a private in-memory database.
    case sqlite(path: String)
    /// A PostgreSQL connection URL, `postgres://user:pass@host:port/db?sslmode=...`.
    case postgres(url: String)

    /// The default: `./preflight.sqlite` in the working directory.
    public static let `default` = StoreLocation.sqlite(path: "./preflight.sqlite")

    /// The path that selects a private in-memory SQLite database.
    public static let sqliteMemoryPath = ":memory:"

    /// Parses a `--store` value.
    ///
    /// Accepted forms:
    /// - `sqlite:PATH` (for example `sqlite:/var/lib/preflight/store.sqlite`)
    /// - `sqlite::memory:` (a private in-memory database, lost on close)
    /// - a bare path ending in `.sqlite`, `.sqlite3` or `.db`
    /// - `postgres://user:pass@host:port/db?sslmode=disable` or `postgresql://...`; `sslmode` is one of
    ///   `disable`, `allow`, `prefer` (the default), `require`, `verify-ca`, `verify-full` with libpq's meaning.
    ///
    /// - Throws: ``StoreError`` of kind ``StoreError/Kind/invalidLocation`` with a message that names
    ///   the problem but never repeats a password.
    public static func parse(_ text: String) throws -> StoreLocation {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else {
            throw StoreError(.invalidLocation, "The store location is empty. \(acceptedForms)")
        }
        let lower = value.lowercased()

        if lower.hasPrefix("sqlite:") {
            let path = String(value.dropFirst("sqlite:".count))
            if path.hasPrefix("//") {
                throw StoreError(
                    .invalidLocation,
                    "sqlite:// URLs are not supported; write sqlite:PATH (for example sqlite:/var/lib/preflight/store.sqlite)."
                )
            }
            guard !path.isEmpty else {
                throw StoreError(
                    .invalidLocation,
                    "The store location \"sqlite:\" has no path; write sqlite:PATH or sqlite::memory:.")
            }
            return .sqlite(path: path)
        }

        if lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") {
            _ = try PostgresURL(parsing: value)
            return .postgres(url: value)
        }

        if let schemeEnd = value.range(of: "://") {
            let scheme = String(value[..<schemeEnd.lowerBound])
            let shown = isPlainToken(scheme, maxLength: 20) ? " \"\(scheme)\"" : ""
            throw StoreError(.invalidLocation, "Unsupported store URL scheme\(shown). \(acceptedForms)")
        }

        if [".sqlite", ".sqlite3", ".db"].contains(where: { lower.hasSuffix($0) }) {
            return .sqlite(path: value)
        }

        // Only repeat a value that looks like a plain path: one that could hold credentials
        // (user:password@, ?password=...) is not shown.
        let shown = isPlainPath(value) ? " \"\(value)\"" : ""
        throw StoreError(.invalidLocation, "Unrecognised store location\(shown). \(acceptedForms)")
    }

    static let acceptedForms =
        "Use sqlite:PATH, sqlite::memory:, a path ending in .sqlite or .db, or postgres://user:password@host:port/database?sslmode=disable."

    private static func isPlainPath(_ text: String) -> Bool {
        text.count <= 200
            && text.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || "/._-~ ".unicodeScalars.contains($0)
            }
    }

    private static func isPlainToken(_ text: String, maxLength: Int) -> Bool {
        !text.isEmpty && text.count <= maxLength
            && text.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || "+-.".unicodeScalars.contains($0)
            }
    }
}

extension StoreLocation: CustomStringConvertible, CustomDebugStringConvertible {
    /// The location with any password replaced by `***`.
    public var description: String {
        switch self {
        case .sqlite(let path):
            return "sqlite:\(path)"
        case .postgres(let url):
            return (try? PostgresURL(parsing: url).redacted) ?? "postgres://(unparseable URL)"
        }
    }

    /// Same as ``description``: redacted.
    public var debugDescription: String { description }
}
