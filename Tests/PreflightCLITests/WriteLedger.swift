import Foundation
import Synchronization

/// What a crash test's clients were told: every tunnel whose creation was acknowledged (2xx), the
/// public keys acknowledged for it in order (creation, then each rotation), and whether a request
/// for it was sent after the last acknowledgement and never answered (the server died under it).
final class WriteLedger: Sendable {
    struct Tunnel: Sendable {
        var keys: [String]
        var unanswered = false
    }

    private struct State {
        var tunnels: [String: Tunnel] = [:]
        var acknowledged = 0
        var unexpected: [String] = []
    }

    private let state = Mutex(State())

    /// Writes acknowledged so far (creations and rotations).
    var acknowledged: Int { state.withLock { $0.acknowledged } }
    /// Answers that were neither a 2xx nor "no answer" (a fault to report).
    var unexpected: [String] { state.withLock { $0.unexpected } }
    var tunnels: [String: Tunnel] { state.withLock { $0.tunnels } }

    func created(_ uuid: String, key: String) {
        state.withLock {
            $0.tunnels[uuid] = Tunnel(keys: [key])
            $0.acknowledged += 1
        }
    }

    func sending(to uuid: String) {
        state.withLock { $0.tunnels[uuid]?.unanswered = true }
    }

    func rotated(_ uuid: String, key: String) {
        state.withLock {
            $0.tunnels[uuid]?.keys.append(key)
            $0.tunnels[uuid]?.unanswered = false
            $0.acknowledged += 1
        }
    }

    func unexpected(_ what: String) {
        state.withLock { $0.unexpected.append(what) }
    }

    /// Why the key the store holds for `uuid` contradicts what was acknowledged, or nil when it does
    /// not: it must be the last acknowledged key, or, when a rotation went unanswered, possibly the
    /// key of that rotation (never one acknowledged earlier).
    static func contradiction(_ tunnel: Tunnel, stored: String?) -> String? {
        guard let stored else { return "the tunnel is missing" }
        guard let last = tunnel.keys.last, stored != last else { return nil }
        if tunnel.keys.dropLast().contains(stored) {
            return
                "the store holds an older acknowledged key (rotation \(tunnel.keys.firstIndex(of: stored) ?? -1) of \(tunnel.keys.count - 1))"
        }
        return tunnel.unanswered ? nil : "the store holds a key that was never acknowledged and no rotation was pending"
    }
}
