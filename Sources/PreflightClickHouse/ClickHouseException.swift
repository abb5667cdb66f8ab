import Foundation
import PreflightCore
import PreflightHTTP

/// An error ClickHouse sent over HTTP, in either of its formats:
/// - before 21.x: `Code: 193, e.displayText() = DB::Exception: Wrong password for user default, e.what() = DB::Exception`
/// - since: `Code: 516. DB::Exception: default: Authentication failed: ... (AUTHENTICATION_FAILED) (version 23.8.1.1)`
/// The code may also come in the `X-ClickHouse-Exception-Code` header.
public struct ClickHouseException: Sendable, Equatable {
    public var code: Int
    /// The symbolic name ("WRONG_PASSWORD"), from the text or from `knownNames`.
    public var name: String?
    /// The exception text, without the code, stack trace or version.
    public var message: String

    public init(code: Int, name: String? = nil, message: String) {
        self.code = code
        self.name = name ?? Self.knownNames[code]
        self.message = message
    }

    /// Codes a ping can meet, by name.
    public static let knownNames: [Int: String] = [
        81: "UNKNOWN_DATABASE", 164: "READONLY", 192: "UNKNOWN_USER", 193: "WRONG_PASSWORD", 194: "REQUIRED_PASSWORD",
        195: "IP_ADDRESS_NOT_ALLOWED", 202: "TOO_MANY_SIMULTANEOUS_QUERIES", 203: "NO_FREE_CONNECTION",
        291: "DATABASE_ACCESS_DENIED", 497: "ACCESS_DENIED", 516: "AUTHENTICATION_FAILED",
    ]

    /// "Code: 193 WRONG_PASSWORD: Wrong password for user default"
    public var summary: String {
        "Code: \(code)\(name.map { " \($0)" } ?? ""): \(message)"
    }

    /// Reads an error body (and the exception-code header, when sent); nil when neither holds a code.
    public static func parse(body: String, codeHeader: String? = nil) -> ClickHouseException? {
        let text = body.trimmingCharacters(in: .whitespacesAndNewlines)
        var code = codeHeader.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        var rest = Substring(text)
        if let range = text.range(of: "Code: ") {
            let digits = text[range.upperBound...].prefix { $0.isNumber }
            if let parsed = Int(digits) {
                code = code ?? parsed
                rest = text[text.index(range.upperBound, offsetBy: digits.count)...]
            }
        }
        guard let code else { return nil }
        // Old: ", e.displayText() = DB::Exception: text, e.what() = DB::Exception"; new: ". DB::Exception: text (NAME) (version x)".
        var message = String(rest)
        if let marker = message.range(of: "DB::Exception: ") { message = String(message[marker.upperBound...]) }
        for cut in [", e.what() = ", ", Stack trace", "\nStack trace", " (version "] {
            if let range = message.range(of: cut) { message = String(message[..<range.lowerBound]) }
        }
        var name: String?
        if message.hasSuffix(")"), let open = message.range(of: " (", options: .backwards) {
            let candidate = message[open.upperBound..<message.index(before: message.endIndex)]
            if !candidate.isEmpty, candidate.allSatisfy({ $0.isUppercase || $0 == "_" || $0.isNumber }) {
                name = String(candidate)
                message = String(message[..<open.lowerBound])
            }
        }
        message = PeerText.quote(message.trimmingCharacters(in: CharacterSet(charactersIn: " ,.\n\r\t")))
        return ClickHouseException(code: code, name: name, message: message)
    }
}

/// Turns ClickHouse's answers to the authenticated query into categorised failures. Pure.
public enum ClickHouseErrorMapping {
    public static func failure(
        _ exception: ClickHouseException, status: Int, user: String, database: String?, passwordGiven: Bool,
        server: String
    ) -> ProbeFailure {
        let what = exception.summary
        switch exception.code {
        case 194:
            return ProbeFailure(
                .auth, "\(server) requires a password for user \"\(user)\" and none was given (\(what))",
                hint: "set sharedConfig.password")
        case 192, 193, 516:
            return ProbeFailure(
                .auth, "\(server) rejected the credentials of user \"\(user)\" (\(what))",
                hint: passwordGiven
                    ? "check the username and password (ClickHouse Cloud: the service's credentials, user \"default\" unless you made another)"
                    : "the user may need a password: set sharedConfig.password")
        case 195:
            return ProbeFailure(
                .auth, "\(server) does not allow user \"\(user)\" to connect from this address (\(what))",
                hint:
                    "add this service's egress address to the user's allowed networks (<networks> in users.xml, HOST in CREATE USER, or the Cloud IP access list)"
            )
        case 81:
            return ProbeFailure(
                .databaseNotFound, "\(server) has no database \"\(database ?? "?")\" (\(what))",
                hint: "check sharedConfig.database (SHOW DATABASES lists them)")
        case 291:
            return ProbeFailure(
                .permission,
                "user \"\(user)\" logged in to \(server) but may not use database \"\(database ?? "?")\" (\(what))",
                hint:
                    "add the database to the user's <allow_databases> in users.xml (or, on ClickHouse 20.5+, GRANT SELECT ON \(database ?? "db").* TO \(user))"
            )
        case 497:
            return ProbeFailure(
                .permission, "user \"\(user)\" logged in to \(server) but lacks a right (\(what))",
                hint: database.map { "grant it, e.g. GRANT SELECT ON \($0).* TO \(user)" }
                    ?? "grant the user the rights the connector needs")
        case 164:
            return ProbeFailure(.permission, "user \"\(user)\" on \(server) is read-only (\(what))")
        case 202, 203:
            return ProbeFailure(.serverUnavailable, "\(server) is too busy to run a query (\(what))", transient: true)
        default:
            if HTTPStatusCategory.isUnavailable(status) {
                return ProbeFailure(
                    .serverUnavailable, "\(server) failed to run SELECT version() (HTTP \(status), \(what))",
                    transient: true)
            }
            return ProbeFailure(
                .protocolMismatch, "\(server) answered SELECT version() with HTTP \(status) and \(what)")
        }
    }
}

/// A ClickHouse exception is also the failure of a statement whose answer is a `Result`.
extension ClickHouseException: Error {}
