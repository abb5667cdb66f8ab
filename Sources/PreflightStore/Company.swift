import Crypto
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

extension Company {
    /// The company's default environment: where its resources belong when a request names none. Derived
    /// from the company's UUID (a name-based UUID over SHA-256), so it is the same on every call and on
    /// every instance without a column of its own.
    public static func defaultEnvironmentUUID(for company: UUID) -> UUID {
        var digest = Array(
            SHA256.hash(data: Data("preflight-default-environment:\(company.uuidString.lowercased())".utf8)))
        digest[6] = (digest[6] & 0x0F) | 0x50  // version 5 (name-based)
        digest[8] = (digest[8] & 0x3F) | 0x80  // RFC 4122 variant
        let bytes = Array(digest.prefix(16))
        return UUID(
            uuid: (
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9],
                bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
            ))
    }

    /// ``defaultEnvironmentUUID(for:)`` of this company.
    public var defaultEnvironmentUUID: UUID { Self.defaultEnvironmentUUID(for: uuid) }
}
