import Foundation

/// A statement run as the test cluster's `postgres` superuser (trusted over TCP, `sslmode` disable) with `psql`
/// (`PG_BINDIR`, else PostgreSQL 15's), stopping at the first error. Returns what it printed, unaligned and
/// without headers, trimmed; throws with psql's own error text when it fails.
public func postgresSuperuserQuery(_ sql: String, host: String, port: Int, database: String = "postgres") throws
    -> String
{
    let process = Process()
    let bindir = ProcessInfo.processInfo.environment["PG_BINDIR"] ?? "/usr/lib/postgresql/15/bin"
    process.executableURL = URL(fileURLWithPath: bindir + "/psql")
    process.arguments = [
        "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", String(port), "-U", "postgres",
        "-d", database, "-c", sql,
    ]
    process.environment = ["PGSSLMODE": "disable", "PGCONNECT_TIMEOUT": "5"]
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // psql's answers here are small; read both pipes to their end before waiting, stderr after stdout.
    let printed = output.fileHandleForReading.readDataToEndOfFile()
    let complaint = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw PostgresSuperuserError(statement: sql, message: String(decoding: complaint, as: UTF8.self))
    }
    return String(decoding: printed, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// `psql` failed; `message` is what it wrote to stderr.
public struct PostgresSuperuserError: Error, CustomStringConvertible {
    public var statement: String
    public var message: String
    public var description: String { "psql failed on \(statement): \(message)" }
}

extension PostgresTestServer {
    /// `postgresSuperuserQuery` on this server.
    public func superuserQuery(_ sql: String, database: String = "postgres") throws -> String {
        try postgresSuperuserQuery(sql, host: host, port: port, database: database)
    }
}
