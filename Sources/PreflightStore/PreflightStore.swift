import Foundation

/// The service's persistent state: companies and their API keys (SSH tunnels come next).
///
/// Two implementations exist, both opened through ``StoreFactory/open(_:logger:)``: an embedded SQLite
/// database (the default) and PostgreSQL, so that several service instances can share state. All methods
/// are safe to call concurrently. Call ``close()`` when done; a closed store throws ``StoreError`` with
/// kind ``StoreError/Kind/closed`` from every method.
public protocol PreflightStore: Sendable {
    /// Creates a company. The name is trimmed of surrounding whitespace and must be 1...200 characters.
    ///
    /// - Returns: The company as stored (its `createdAt` has millisecond precision).
    /// - Throws: ``StoreError`` of kind ``StoreError/Kind/invalidInput`` for an empty or overlong name.
    func createCompany(name: String) async throws -> Company

    /// The company with this UUID, or `nil` when there is none.
    func company(uuid: UUID) async throws -> Company?

    /// How many companies exist.
    func companyCount() async throws -> Int

    /// Issues a new API key for a company.
    ///
    /// The key is `arsk_` followed by 40 URL-safe random characters. Only its SHA-256 hash and its
    /// display prefix are stored; the full secret exists only in the returned ``IssuedKey``.
    ///
    /// - Throws: ``StoreError`` of kind ``StoreError/Kind/companyNotFound`` when the company does not exist.
    func issueKey(for companyUUID: UUID) async throws -> IssuedKey

    /// The company owning the presented key, or `nil` when the key is unknown, revoked or malformed.
    ///
    /// A malformed key (not `arsk_` plus 40 URL-safe characters) is rejected without touching the
    /// database. On success the key's `lastUsedAt` is set to now.
    func authenticate(key: String) async throws -> Company?

    /// Revokes a key, but only if it belongs to `companyUUID` and is not already revoked.
    ///
    /// - Returns: `true` when a key was revoked by this call.
    func revokeKey(uuid: UUID, companyUUID: UUID) async throws -> Bool

    /// The company's active (not revoked) keys, oldest first. Empty for an unknown company.
    func keys(for companyUUID: UUID) async throws -> [APIKeyRecord]

    /// Releases the store's connections. Idempotent. The store cannot be used afterwards.
    func close() async throws
}
