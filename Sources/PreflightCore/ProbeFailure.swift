/// Thrown by a probe step when the ping cannot go on: carries the category and a message a person can act on.
///
/// Messages must not contain secrets; the engine redacts them once more before anything leaves the process.
public struct ProbeFailure: Error, Sendable, CustomStringConvertible {
    public var category: FailureCategory
    public var message: String
    public var hint: String?
    /// Overrides the category's default transience when set.
    public var transient: Bool?

    public init(_ category: FailureCategory, _ message: String, hint: String? = nil, transient: Bool? = nil) {
        self.category = category
        self.message = message
        self.hint = hint
        self.transient = transient
    }

    public var description: String { "\(category.rawValue): \(message)" }
}
