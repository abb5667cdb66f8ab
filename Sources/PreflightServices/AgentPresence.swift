import Foundation
import PreflightStore
import Synchronization

/// What this instance already knows about its planes' agents, so a busy plane does not cost a store
/// statement per ping for it: when it last wrote each agent's heartbeat (a poll writes it again only
/// after ``heartbeatRewrite``) and when it last saw each plane online (a ping reads the agents again only
/// after ``onlineRecheck``). Both are far inside ``AgentWire/onlineWindow``, so the listing and the
/// "no agent online" answer move by at most that much.
final class AgentPresence: Sendable {
    /// A poll rewrites its agent's heartbeat only when this instance wrote it longer ago than this.
    static let heartbeatRewrite: Duration = .seconds(2)
    /// A ping trusts an earlier "online" for this long.
    static let onlineRecheck: Duration = .seconds(1)
    /// An agent token's plane is trusted for this long (a busy agent sends a request per ping). A token
    /// rotated or a plane deleted through this instance is forgotten at once; through another instance it
    /// works here for at most this long.
    static let tokenRecheck: Duration = .seconds(1)

    private struct State {
        var heartbeats: [String: ContinuousClock.Instant] = [:]
        var online: [UUID: ContinuousClock.Instant] = [:]
        /// By the token's hash.
        var tokens: [String: (plane: DataPlaneRecord, at: ContinuousClock.Instant)] = [:]
    }

    private let state = Mutex(State())

    /// True when the heartbeat of `agentID` should be written now (and counts it as written); false when
    /// this instance wrote it less than ``heartbeatRewrite`` ago.
    func heartbeatDue(plane: UUID, agentID: String, now: ContinuousClock.Instant = .now) -> Bool {
        let key = "\(plane.uuidString) \(agentID)"
        return state.withLock { state in
            if let last = state.heartbeats[key], now - last < Self.heartbeatRewrite { return false }
            if state.heartbeats.count > 10_000 { state.heartbeats.removeAll() }
            state.heartbeats[key] = now
            state.online[plane] = now
            return true
        }
    }

    /// Forgets a heartbeat that could not be written, so the next poll writes it.
    func heartbeatFailed(plane: UUID, agentID: String) {
        _ = state.withLock { $0.heartbeats.removeValue(forKey: "\(plane.uuidString) \(agentID)") }
    }

    /// The plane of the token with this hash, when the store said so less than ``tokenRecheck`` ago.
    func plane(ofTokenHash hash: String, now: ContinuousClock.Instant = .now) -> DataPlaneRecord? {
        state.withLock { state in
            guard let known = state.tokens[hash], now - known.at < Self.tokenRecheck else { return nil }
            return known.plane
        }
    }

    /// Notes the plane the store gave for a token.
    func remember(tokenHash hash: String, plane: DataPlaneRecord, now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            if state.tokens.count > 10_000 { state.tokens.removeAll() }
            state.tokens[hash] = (plane, now)
        }
    }

    /// Forgets every token of a plane (its token rotated, or the plane deleted).
    func forgetTokens(ofCompany company: UUID) {
        state.withLock { state in state.tokens = state.tokens.filter { $0.value.plane.companyUUID != company } }
    }

    /// Whether the plane was seen online less than ``onlineRecheck`` ago.
    func recentlyOnline(_ plane: UUID, now: ContinuousClock.Instant = .now) -> Bool {
        state.withLock { state in
            guard let seen = state.online[plane] else { return false }
            return now - seen < Self.onlineRecheck
        }
    }

    /// Notes that the store showed the plane with an agent online just now.
    func sawOnline(_ plane: UUID, now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            if state.online.count > 10_000 { state.online.removeAll() }
            state.online[plane] = now
        }
    }
}
