import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The local time as `2026-12-07T10:56:43+0000` (swift-log's `StreamLogHandler` form), formatted once per second.
final class LogTimestamp: Sendable {
    private let cache = Mutex<(second: Int, text: String)>((-1, ""))

    /// The timestamp of now.
    func now() -> String {
        var seconds = time(nil)
        let second = Int(seconds)
        if let text = cache.withLock({ $0.second == second ? $0.text : nil }) { return text }
        var local = tm()
        guard localtime_r(&seconds, &local) != nil else { return "<unknown>" }
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        let text = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        cache.withLock { $0 = (second, text) }
        return text
    }
}
