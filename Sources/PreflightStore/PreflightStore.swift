import Foundation

/// The service's persistent state: companies, their API keys and their SSH tunnels.
///
/// Two implementations exist, both opened through ``StoreFactory/open(_:logger:)``: an embedded SQLite
/// database (the default) and PostgreSQL, so that several service instances can share state. All methods
/// are safe to call concurrently. Call ``close()`` when done; a closed store throws ``StoreError`` with
/// kind ``StoreError/Kind/closed`` from every method.
public protocol PreflightStore: DataPlaneStore {
    /// Creates a company. The name is trimmed of surrounding whitespace and must be 1...200 characters.
    ///
    /// - Returns: The company as stored (its `createdAt` has millisecond precision).
    /// - Throws: ``StoreError`` of kind ``StoreError/Kind/invalidInput`` for an empty or overlong name.
    func createCompany(name: String) async throws -> Company

    /// The company with this UUID, or `nil` when there is none.
    func company(uuid: UUID) async throws -> Company?

    /// The oldest company whose name is exactly `name` once trimmed (names are not unique, and the
    /// comparison is case-sensitive), or `nil` when there is none (always for a name no company can have:
    /// empty, or longer than 200 characters, once trimmed).
    func company(named name: String) async throws -> Company?

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
    /// database. On success the key's `lastUsedAt` is set to now when it is older than
    /// ``APIKeyRecord/lastUsedGranularityMillis`` (so a busy key costs a read per request, not a write).
    func authenticate(key: String) async throws -> Company?

    /// Revokes a key, but only if it belongs to `companyUUID` and is not already revoked.
    ///
    /// - Returns: `true` when a key was revoked by this call.
    func revokeKey(uuid: UUID, companyUUID: UUID) async throws -> Bool

    /// The company's active (not revoked) keys, oldest first. Empty for an unknown company.
    func keys(for companyUUID: UUID) async throws -> [APIKeyRecord]

    // MARK: SSH tunnels
    //
    // Every tunnel method is scoped to a company: a tunnel of another company behaves exactly like a
    // missing one. Text fields are trimmed. Obviously invalid data (an empty or overlong name, host or
    // username, a port outside 1...65535, a private key that is not `SecretSealer` output, a fingerprint
    // that is not `SHA256:` + 43 base64 characters) is refused with `StoreError` kind `invalidInput`.

    /// Stores a new tunnel under `record.uuid` and `record.companyUUID`. The store sets `createdAt` and
    /// `updatedAt` to now; `record.sealedPrivateKey` must be sealed for `record.uuid`
    /// (``SecretSealer/sealPrivateKey(_:forTunnel:)``).
    ///
    /// - Returns: The tunnel as stored.
    /// - Throws: ``StoreError`` of kind ``StoreError/Kind/companyNotFound`` when the company does not exist,
    ///   ``StoreError/Kind/invalidInput`` for invalid fields or when a tunnel with this UUID exists.
    func createTunnel(_ record: SSHTunnelRecord) async throws -> SSHTunnelRecord

    /// The company's tunnel with this UUID, or `nil`.
    func tunnel(uuid: UUID, companyUUID: UUID) async throws -> SSHTunnelRecord?

    /// The company's tunnels, oldest first. Empty for an unknown company.
    func tunnels(for companyUUID: UUID) async throws -> [SSHTunnelRecord]

    /// Applies `changes` and bumps `updatedAt`. A change of host (compared case-insensitively) or port
    /// clears the pinned host key, since it now names a different machine; setting the same value does not.
    /// Empty `changes` only read the tunnel.
    ///
    /// - Returns: The tunnel after the change, or `nil` when the company has no such tunnel.
    func updateTunnel(uuid: UUID, companyUUID: UUID, changes: SSHTunnelChanges) async throws -> SSHTunnelRecord?

    /// Replaces the tunnel's key pair (the pinned host key, which is the bastion's, stays) and bumps `updatedAt`.
    ///
    /// - Returns: The tunnel after the change, or `nil` when the company has no such tunnel.
    func replaceTunnelKey(uuid: UUID, companyUUID: UUID, publicKey: String, sealedPrivateKey: Data) async throws
        -> SSHTunnelRecord?

    /// Pins (or with `nil`, forgets) the bastion's host key fingerprint and bumps `updatedAt`.
    ///
    /// With `onlyIfUnset`, the fingerprint is written only if none is pinned at that moment (a single
    /// compare-and-set statement), so trust-on-first-use never overwrites a key another request pinned
    /// meanwhile; the tunnel is then returned unchanged. Compare the returned `hostKeyFingerprint` with
    /// `fingerprint` to learn which key is pinned.
    ///
    /// - Returns: The tunnel as it stands after the call, or `nil` when the company has no such tunnel.
    func pinTunnelHostKey(uuid: UUID, companyUUID: UUID, fingerprint: String?, onlyIfUnset: Bool) async throws
        -> SSHTunnelRecord?

    /// Deletes the company's tunnel.
    ///
    /// - Returns: `true` when a tunnel was deleted by this call.
    func deleteTunnel(uuid: UUID, companyUUID: UUID) async throws -> Bool

    /// Releases the store's connections. Idempotent. The store cannot be used afterwards.
    func close() async throws
}
