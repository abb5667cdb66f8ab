import Foundation
import PreflightTestSupport
import Testing

/// A fresh database on the PostgreSQL test cluster (`PREFLIGHT_TEST_PG_HOST`, `_PORT`, `_SUPERUSER`,
/// trusted over TCP), created and dropped with `psql`, for a `--store postgres://...` of its own.
struct ScratchPostgresDatabase {
    let host: String
    let port: Int
    let superuser: String
    let name: String

    /// The `--store` URL.
    var url: String { "postgres://\(superuser)@\(host):\(port)/\(name)?sslmode=disable" }

    /// Nil when the cluster is not configured.
    static func create() throws -> ScratchPostgresDatabase? {
        guard let host = TestEnvironment.value("PREFLIGHT_TEST_PG_HOST"),
            let port = TestEnvironment.value("PREFLIGHT_TEST_PG_PORT").flatMap({ Int($0) }),
            let superuser = TestEnvironment.value("PREFLIGHT_TEST_PG_SUPERUSER")
        else { return nil }
        let name =
            "preflight_crash_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16))"
        let database = ScratchPostgresDatabase(host: host, port: port, superuser: superuser, name: name)
        try database.psql("CREATE DATABASE \(name)")
        return database
    }

    func drop() {
        do { try psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") } catch {
            Issue.record("could not drop \(name): \(error)")
        }
    }

    private func psql(_ sql: String) throws {
        let directory = ProcessInfo.processInfo.environment["PG_BINDIR"] ?? "/usr/lib/postgresql/15/bin"
        let process = Process()
        if FileManager.default.isExecutableFile(atPath: "\(directory)/psql") {
            process.executableURL = URL(fileURLWithPath: "\(directory)/psql")
            process.arguments = []
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["psql"]
        }
        process.arguments! += [
            "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", "\(port)", "-U", superuser, "-d", "postgres",
            "-c", sql,
        ]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ServeError(message: "psql \(sql): \(String(decoding: text, as: UTF8.self))")
        }
    }
}
