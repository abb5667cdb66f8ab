import Foundation

/// What the store knows about an API key: never the key itself, only its display prefix.
public struct APIKeyRecord: Sendable, Equatable {
    /// The key's identifier, used to revoke it.
    public var uuid: UUID
    /// The company the key authenticates as.
    public var companyUUID: UUID
    /// The first 12 characters of the key, for display (for example `arsk_AbCdEfG`).
    public var prefix: String
    /// When the key was issued (millisecond precision).
    public var createdAt: Date
    /// When the key last authenticated successfully, if ever (millisecond precision).
    /// When the key last authenticated, to within ``APIKeyRecord/lastUsedGranularityMillis``.
    public var lastUsedAt: Date?

    /// Creates a record value. Stores create records with ``PreflightStore/issueKey(for:)``.
    public init(uuid: UUID, companyUUID: UUID, prefix: String, createdAt: Date, lastUsedAt: Date?) {
        self.uuid = uuid
        self.companyUUID = companyUUID
        self.prefix = prefix
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }
}

/// A freshly issued API key: the only time the full secret is available.
public struct IssuedKey: Sendable {
    /// The full key (`arsk_` + 40 characters). Show it once; it cannot be recovered from the store.
    public var secret: String
    /// The stored record of the key.
    public var record: APIKeyRecord

    /// Creates an issued key value.
    public init(secret: String, record: APIKeyRecord) {
        self.secret = secret
        self.record = record
    }
}

extension IssuedKey {
    /// A new key for `companyUUID` issued at `now` (milliseconds since 1970): the secret and the record a
    /// store saves (with the secret's hash) and returns.
    static func generate(for companyUUID: UUID, at now: Int64) -> IssuedKey {
        let secret = APIKeyGenerator.generate()
        let record = APIKeyRecord(
            uuid: UUID(), companyUUID: companyUUID, prefix: APIKeyGenerator.displayPrefix(of: secret),
            createdAt: StoreTime.date(millis: now), lastUsedAt: nil
        )
        return IssuedKey(secret: secret, record: record)
    }
}

extension APIKeyRecord {
    /// `last_used_at` is written at most once per this many milliseconds per key: a key used by every
    /// request costs a read, not a write, and the listing is accurate to a minute.
    public static let lastUsedGranularityMillis: Int64 = 60_000
}
