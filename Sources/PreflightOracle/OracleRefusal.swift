/// A listener's REFUSE, read: the Oracle error in its text `(ERR=12514)` and what it means.
public struct OracleRefusal: Sendable, Equatable {
    public var userReason: UInt8
    public var systemReason: UInt8
    /// The listener's text, as sent.
    public var text: String
    /// The ORA- number from `(ERR=...)`, when there is one.
    public var code: Int?

    public init(userReason: UInt8, systemReason: UInt8, text: String) {
        self.userReason = userReason
        self.systemReason = systemReason
        self.text = text
        code = Self.errorCode(in: text)
    }

    /// The number after `(ERR=` (what Oracle's clients read), else the first `(CODE=` of the error stack.
    static func errorCode(in text: String) -> Int? {
        if let lists = TNSNameValue.parse(text) {
            for list in lists {
                if let err = list.value(of: "ERR"), let code = Int(err), code > 0 { return code }
                if let code = list.value(of: "CODE").flatMap({ Int($0) }), code > 0 { return code }
            }
        }
        guard let range = text.range(of: "(ERR=") else { return nil }
        let digits = text[range.upperBound...].prefix { $0.isNumber }
        return Int(digits)
    }

    /// "ORA-12514", or "no error code".
    public var oraCode: String {
        code.map { "ORA-" + String(repeating: "0", count: max(0, 5 - String($0).count)) + String($0) }
            ?? "no error code"
    }
}
