import Foundation

/// A customer of the service. API keys and SSH tunnels belong to a company.
public struct Company: Sendable, Equatable, Codable {
    /// The company's identifier.
    public var uuid: UUID
    /// The display name, trimmed, 1...200 characters.
    public var name: String
    /// When the company was created (millisecond precision).
    public var createdAt: Date

    /// Creates a company value. Stores create companies with ``PreflightStore/createCompany(name:)``.
    public init(uuid: UUID, name: String, createdAt: Date) {
        self.uuid = uuid
        self.name = name
        self.createdAt = createdAt
    }
}

extension Company {
    /// The longest accepted company name, in characters.
    static let maximumNameLength = 200

    /// `name` trimmed, or a ``StoreError`` when it is empty or too long.
    static func validatedName(_ name: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw StoreError(.invalidInput, "A company name must not be empty.")
        }
        guard trimmed.count <= maximumNameLength else {
            throw StoreError(
                .invalidInput, "A company name must be at most \(maximumNameLength) characters (got \(trimmed.count)).")
        }
        return trimmed
    }
}
