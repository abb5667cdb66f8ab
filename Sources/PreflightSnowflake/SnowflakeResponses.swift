import PreflightCore

/// An error Snowflake reported: its code ("390144", "002043") and message.
public struct SnowflakeError: Sendable, Equatable {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    /// Reads `code` and `message` from a Snowflake JSON answer (SQL API or session API); nil when
    /// there is neither. Numeric codes are padded to Snowflake's 6 digits ("2043" -> "002043").
    public static func from(_ json: JSONValue) -> SnowflakeError? {
        var code: String?
        switch json["code"] {
        case .string(let text)?: code = text.trimmingCharacters(in: .whitespaces)
        case .number?: code = json["code"]?.intValue.map { String($0) }
        default: break
        }
        if let digits = code, !digits.isEmpty, digits.allSatisfy(\.isNumber), digits.count < 6 {
            code = String(repeating: "0", count: 6 - digits.count) + digits
        }
        let message = json["message"]?.stringValue ?? ""
        guard (code?.isEmpty == false) || !message.isEmpty else { return nil }
        return SnowflakeError(code: code ?? "", message: message)
    }
}

/// The single row of `SELECT CURRENT_ROLE(), CURRENT_WAREHOUSE(), CURRENT_VERSION()`.
public struct SnowflakeSessionRow: Sendable, Equatable {
    public var role: String?
    public var warehouse: String?
    public var version: String?

    public init(role: String?, warehouse: String?, version: String?) {
        self.role = role
        self.warehouse = warehouse
        self.version = version
    }

    /// From the SQL API's answer: `{"data": [["ROLE", "WH", "9.1.0"]], ...}`.
    public static func fromSQLAPI(_ json: JSONValue) -> SnowflakeSessionRow? {
        row(json["data"])
    }

    /// From the session API's query answer: `{"data": {"rowset": [["ROLE", "WH", "9.1.0"]]}, "success": true}`.
    public static func fromQueryResponse(_ json: JSONValue) -> SnowflakeSessionRow? {
        row(json["data"]?["rowset"])
    }

    private static func row(_ rows: JSONValue?) -> SnowflakeSessionRow? {
        guard let first = rows?.arrayValue?.first?.arrayValue, first.count >= 3 else { return nil }
        func text(_ value: JSONValue) -> String? {
            switch value {
            case .string(let text): text
            case .number(let number): String(number)
            default: nil
            }
        }
        return SnowflakeSessionRow(role: text(first[0]), warehouse: text(first[1]), version: text(first[2]))
    }
}

/// The session API's login answer: a session token, or an error.
public enum SnowflakeLoginResult: Sendable, Equatable {
    case token(String)
    case failed(SnowflakeError)

    /// Reads `{"success": true, "data": {"token": ...}}` or `{"success": false, "code": ..., "message": ...}`;
    /// nil when the JSON is neither.
    public static func from(_ json: JSONValue) -> SnowflakeLoginResult? {
        switch json["success"]?.boolValue {
        case true?:
            guard let token = json["data"]?["token"]?.stringValue, !token.isEmpty else { return nil }
            return .token(token)
        case false?:
            return .failed(
                SnowflakeError.from(json) ?? SnowflakeError(code: "", message: "login refused without a reason"))
        case nil:
            return nil
        }
    }
}
