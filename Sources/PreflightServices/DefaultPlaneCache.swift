import Foundation
import Synchronization

/// Each company's default plane as this instance last read it, trusted for ``recheck``: every ping that
/// names no plane asks for it, and a store read per ping was a thread hop per ping. Changed through this
/// instance, it is forgotten at once; through another instance, this one follows within ``recheck``.
final class DefaultPlaneCache: Sendable {
    static let recheck: Duration = .seconds(1)

    private let entries = Mutex<[UUID: (name: String?, at: ContinuousClock.Instant)]>([:])

    /// The cached default (`.some(nil)`: the company has none), or nil when it must be read.
    func lookup(_ company: UUID, now: ContinuousClock.Instant = .now) -> String?? {
        entries.withLock { entries in
            guard let entry = entries[company], now - entry.at < Self.recheck else { return nil }
            return .some(entry.name)
        }
    }

    func remember(_ name: String?, for company: UUID, now: ContinuousClock.Instant = .now) {
        entries.withLock { entries in
            if entries.count > 10_000 { entries.removeAll() }
            entries[company] = (name, now)
        }
    }

    func forget(_ company: UUID) {
        _ = entries.withLock { $0.removeValue(forKey: company) }
    }
}
