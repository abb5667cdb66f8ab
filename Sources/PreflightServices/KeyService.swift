import Foundation
public import PreflightStore

/// API keys and the companies they belong to: what `preflight keys create` and the first start of
/// `preflight serve` do, outside the HTTP layer.
public struct KeyService: Sendable {
    public let store: any PreflightStore

    public init(store: any PreflightStore) { self.store = store }

    /// A new key.
    public struct IssuedKey: Sendable {
        public let company: Company
        /// Whether the company was created for this key.
        public let companyIsNew: Bool
        /// The key itself: shown once, stored only as a hash.
        public let secret: String
    }

    /// Issues a key for the company named `companyName`, creating the company if it is new.
    public func issueKey(companyName: String) async throws -> IssuedKey {
        let name = companyName.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw ServiceRequestError(message: "the company name must not be empty") }
        if let existing = try await store.company(named: name) {
            return IssuedKey(
                company: existing, companyIsNew: false, secret: try await store.issueKey(for: existing.uuid).secret)
        }
        let company = try await store.createCompany(name: name)
        return IssuedKey(
            company: company, companyIsNew: true, secret: try await store.issueKey(for: company.uuid).secret)
    }

    /// On an empty store, creates the company "default" and its first key; nil when the store already
    /// has a company (the bootstrap key is printed once, on the first start only).
    public func bootstrapIfEmpty() async throws -> IssuedKey? {
        guard try await store.companyCount() == 0 else { return nil }
        return try await issueKey(companyName: "default")
    }
}
