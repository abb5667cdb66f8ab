import Logging
import Synchronization

/// What a route adds to its request's access-log line (`AccessLogMiddleware`): a ping's type, category,
/// company and target, so one line per request says what happened (the engine's own line per ping is at
/// `debug` in the service). Held by reference in the request context, which reaches handlers by value.
final class AccessNote: Sendable {
    private let metadata = Mutex<Logger.Metadata>([:])

    /// Adds or replaces these fields.
    func add(_ fields: Logger.Metadata) {
        metadata.withLock { $0.merge(fields) { _, new in new } }
    }

    /// The fields added so far.
    var fields: Logger.Metadata { metadata.withLock { $0 } }
}

/// A request context that carries an ``AccessNote``.
protocol AccessNoting {
    var accessNote: AccessNote { get }
}
