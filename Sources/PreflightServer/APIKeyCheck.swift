import HTTPTypes
import Logging
import PreflightCore
import PreflightStore

/// Turns an `Authorization` header into the company whose API key it carries, or the API's 401/503.
/// Used by the ping route and by the authentication middleware of the other operations.
struct APIKeyCheck: Sendable {
    let store: any PreflightStore
    let logger: Logger
    /// Keys the store accepted lately (see ``APIKeyCache``); a TTL of zero asks the store every time.
    let cache: APIKeyCache

    init(store: any PreflightStore, logger: Logger, cacheTTL: Duration = .seconds(1)) {
        self.store = store
        self.logger = logger
        self.cache = APIKeyCache(ttl: cacheTTL)
    }

    /// The key's company; `APIError.unauthorized` for no, a malformed or an unknown key, a 503 when the store
    /// fails. A key the store accepted within the cache's TTL is not asked again.
    func company(authorization header: String?) async throws(APIError) -> Company {
        guard let key = Self.apiKey(from: header), APIKeyGenerator.isWellFormed(key) else { throw .unauthorized }
        let hash = APIKeyGenerator.hash(key)
        if let company = cache.company(forHash: hash) { return company }
        let company: Company?
        do {
            company = try await store.authenticate(key: key)
        } catch {
            logger.error("API key check failed", metadata: ["error.type": "\(type(of: error))"])
            throw APIError(
                .serviceUnavailable, "could not check the API key (the key store is unavailable); try again shortly",
                headers: [.retryAfter: "1"])
        }
        guard let company else { throw .unauthorized }
        cache.remember(company, forHash: hash)
        return company
    }

    /// The key of `Authorization: Bearer <key>` (scheme case-insensitive). A bare `arsk_` key is
    /// accepted too, since some clients omit the scheme. Anything else is no key.
    static func apiKey(from header: String?) -> String? {
        guard let header else { return nil }
        let value = header.trimmed(newlines: false)
        if value.hasPrefix("arsk_"), !value.contains(" ") { return value }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let key = parts[1].trimmed(newlines: false)
        return key.isEmpty ? nil : key
    }
}
