import Logging

/// A `LogHandler` that writes the same lines as swift-log's `StreamLogHandler`
/// (`2026-12-07T10:56:43+0000 info preflight: key=value ... [Module] message`), through a ``LogLineWriter``:
/// metadata sorted by key, the provider's and the event's merged over the logger's, and an event's error as
/// `error.message` and `error.type`.
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let writer: LogLineWriter
    /// One per process: every handler's lines share the per-second timestamp.
    private static let timestamp = LogTimestamp()

    /// A handler for `label` writing through `writer` at `level` and above.
    public init(
        label: String, writer: LogLineWriter, level: Logger.Level,
        metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider
    ) {
        self.label = label
        self.writer = writer
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        writer.write(line(for: event, at: Self.timestamp.now()).utf8)
    }

    /// The line `event` makes at `time`, newline included.
    func line(for event: LogEvent, at time: String) -> String {
        var line = ""
        line.reserveCapacity(256)
        line += time
        line += " "
        line += event.level.rawValue
        if !label.isEmpty { line += " " }
        line += label
        line += ":"
        for (key, value) in effectiveMetadata(event).sorted(by: { $0.key < $1.key }) {
            line += " "
            line += key
            line += "="
            line += value.description
        }
        line += " ["
        line += event.source
        line += "] "
        line += event.message.description
        line += "\n"
        return line
    }

    /// The logger's metadata, then the provider's, then the event's, each winning over the one before; as pairs,
    /// without building a merged dictionary when there is no provider and no error (a request's log line).
    private func effectiveMetadata(_ event: LogEvent) -> [(key: String, value: Logger.Metadata.Value)] {
        let provided = metadataProvider?.get() ?? [:]
        let explicit = event.metadata ?? [:]
        guard provided.isEmpty, event.error == nil else {
            var merged = metadata
            merged.merge(provided) { _, provided in provided }
            merged.merge(explicit) { _, explicit in explicit }
            if let error = event.error {
                merged["error.message"] = "\(error)"
                merged["error.type"] = "\(String(reflecting: type(of: error)))"
            }
            return merged.map { ($0.key, $0.value) }
        }
        var pairs: [(key: String, value: Logger.Metadata.Value)] = []
        pairs.reserveCapacity(explicit.count + metadata.count)
        for (key, value) in explicit { pairs.append((key, value)) }
        for (key, value) in metadata where explicit[key] == nil { pairs.append((key, value)) }
        return pairs
    }
}
