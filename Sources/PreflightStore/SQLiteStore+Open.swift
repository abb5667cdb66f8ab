import Foundation
import Logging
import SQLiteNIO

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Opening: creating the file with owner-only permissions, connection pragmas, switching to WAL.
extension SQLiteStore {
    /// Creates the database file with owner-only permissions if it does not exist yet, so the WAL and
    /// shared-memory files SQLite derives from it get the same mode. `O_EXCL` keeps this from ever
    /// truncating a database another process has just created.
    static func prepareFile(at path: String) throws {
        if path.hasPrefix("file:") { return }  // an SQLite URI filename: leave it to SQLite
        let descriptor = openExclusive(path)
        if descriptor >= 0 {
            _ = closeDescriptor(descriptor)
            return
        }
        let code = errno
        if code == EEXIST { return }
        let reason = String(cString: strerror(code))
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if code == ENOENT, !FileManager.default.fileExists(atPath: directory) {
            throw StoreError(
                .connectionFailed,
                "Could not create the SQLite database at \(path): the directory \(directory) does not exist.")
        }
        throw StoreError(.connectionFailed, "Could not create the SQLite database at \(path): \(reason).")
    }

    private static func openExclusive(_ path: String) -> Int32 {
        #if canImport(Glibc)
            return Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        #else
            return Darwin.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        #endif
    }

    private static func closeDescriptor(_ descriptor: Int32) -> Int32 {
        #if canImport(Glibc)
            return Glibc.close(descriptor)
        #else
            return Darwin.close(descriptor)
        #endif
    }

    /// Sets the connection pragmas and, for a file, switches to WAL (a warning when SQLite declines).
    static func configure(_ db: SQLiteConnection, path: String, isMemory: Bool, logger: Logger) async throws {
        do {
            for pragma in SQLiteSQL.connectionPragmas {
                _ = try await Self.execute(db, pragma)
            }
            if !isMemory {
                let mode = try await Self.enableWAL(db)
                if mode?.lowercased() != "wal" {
                    logger.warning(
                        "SQLite did not switch to WAL mode",
                        metadata: ["path": .string(path), "journal_mode": .string(mode ?? "unknown")])
                }
            }
        } catch {
            throw StoreError(
                .connectionFailed, "Could not configure the SQLite database at \(path): \(describe(error))")
        }
    }

    /// Switches to WAL. Changing the journal mode needs a moment of exclusive access, and SQLite answers
    /// "database is locked" at once (without its busy handler) while another connection is opening the
    /// same file, so this retries for up to five seconds.
    static func enableWAL(_ db: SQLiteConnection) async throws -> String? {
        var attempt = 0
        while true {
            do {
                return try await Self.execute(db, SQLiteSQL.enableWAL).first?.column("journal_mode")?.string
            } catch {
                attempt += 1
                guard attempt < 100, "\(error)".contains("locked") || "\(error)".contains("busy") else { throw error }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// The value of `PRAGMA name` on the store's own connection, as text (the durability settings,
    /// for tests); nil when the pragma answers nothing. `name` is one of this module's literals.
    func pragma(_ name: String) async throws -> String? {
        try await run("read PRAGMA \(name)") { db in
            guard let data = try await Self.execute(db, "PRAGMA \(name)").first?.columns.first?.data else { return nil }
            switch data {
            case .integer(let value): return String(value)
            case .text(let value): return value
            default: return data.description
            }
        }
    }
}
