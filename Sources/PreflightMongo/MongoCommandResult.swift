/// A command the server refused: `ok: 0` with `code`, `codeName` and `errmsg` (or a legacy `$err`).
public struct MongoCommandError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int?
    public var codeName: String?
    public var message: String

    public init(code: Int?, codeName: String? = nil, message: String) {
        self.code = code
        self.codeName = codeName
        self.message = message
    }

    /// "not authorized on local to execute command (code 13 Unauthorized)"
    public var description: String {
        var text = message
        if let code { text += " (code \(code)\(codeName.map { " \($0)" } ?? ""))" }
        return text
    }

    /// The error carried by a command reply, or nil when the command succeeded.
    public static func from(_ reply: BSONDocument) -> MongoCommandError? {
        if let legacy = reply["$err"]?.stringValue {
            return MongoCommandError(code: reply["code"]?.intValue, codeName: nil, message: String(legacy.prefix(300)))
        }
        guard reply["ok"]?.boolValue != true else { return nil }
        let message = reply["errmsg"]?.stringValue ?? "the command failed without a message"
        return MongoCommandError(
            code: reply["code"]?.intValue, codeName: reply["codeName"]?.stringValue,
            message: String(message.prefix(300)))
    }
}
