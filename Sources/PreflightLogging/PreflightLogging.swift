import Foundation
import Logging
import Synchronization

/// The process's logging: one ``LogLineWriter`` on standard error, shared by every logger.
public enum PreflightLogging {
    /// Bootstraps swift-log with ``LineLogHandler`` at `level` on standard error. `batched` (for `serve`, which
    /// logs a line per request and exits through its drain) hands the writing to a thread of its own that writes every
    /// 2 ms at most; otherwise each line is written before the log call returns. Either way whatever is
    /// buffered is written at exit.
    public static func bootstrap(level: Logger.Level, batched: Bool = false) {
        let writer = LogLineWriter(
            fd: STDERR_FILENO, mode: batched ? .batched(cadence: .milliseconds(2)) : .immediate)
        standardError.withLock { $0 = writer }
        atexit { PreflightLogging.flush() }
        LoggingSystem.bootstrap { label in
            LineLogHandler(label: label, writer: writer, level: level)
        }
    }

    /// Writes every line still buffered (at exit, and before a process ends by other means).
    public static func flush() {
        standardError.withLock { $0 }?.flush()
    }

    private static let standardError = Mutex<LogLineWriter?>(nil)
}
