/// A request that cannot be attempted as sent: the API answers 400 with `message`, the CLI exits 3.
public struct InvalidConfig: Error, Sendable, Equatable, CustomStringConvertible {
    /// One line naming the key and what is wrong with it. Never contains a secret value.
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
