import Foundation

/// An error from the store. Its message is written for operators and never contains a password or a key.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, for callers that branch on it.
    public enum Kind: String, Sendable, Equatable {
        /// A `--store` value could not be understood.
        case invalidLocation
        /// An argument was rejected (for example an empty company name).
        case invalidInput
        /// The company named in the request does not exist.
        case companyNotFound
        /// The database could not be reached or opened.
        case connectionFailed
        /// Bringing the schema up to date failed.
        case migrationFailed
        /// The database reported an error while running a statement.
        case databaseError
        /// A stored row could not be read back (unexpected type or value).
        case corruptData
        /// The store was used after ``PreflightStore/close()``.
        case closed
    }

    /// What went wrong.
    public let kind: Kind
    /// A human-readable explanation, safe to log.
    public let message: String

    /// Creates an error. `message` must not contain secrets.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The message.
    public var description: String { message }

    static let closedStore = StoreError(.closed, "The store has been closed.")
}
