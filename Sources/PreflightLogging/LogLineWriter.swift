#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes whole log lines to a file descriptor, in the order they were given, from any thread.
///
/// In ``Mode/batched`` mode a thread of its own does the writing: a caller appends its line to a buffer and goes on,
/// and the thread writes everything buffered in one `write(2)`, at most once per `cadence`. Under load that is one
/// system call for many lines instead of one per line, and no event loop waits on the file. A line given while the
/// thread is idle is written at once. The buffer is bounded: a caller that finds `limit` bytes waiting writes them
/// itself (the same back-pressure a direct write gives). ``flush()`` writes whatever is buffered; it runs at exit.
///
/// In ``Mode/immediate`` mode each line is written by the caller before ``write(_:)`` returns.
public final class LogLineWriter: @unchecked Sendable {
    /// How lines reach the file.
    public enum Mode: Sendable {
        /// Each line written by its caller.
        case immediate
        /// Lines gathered by a writer thread, written at most once per `cadence`.
        case batched(cadence: Duration)
    }

    private let fd: Int32
    private let limit: Int
    private let cadenceMicros: UInt32?
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    // Guarded by `mutex`.
    private var pending: [UInt8] = []
    private var spare: [UInt8] = []
    private var writing = false
    private var started = false
    private var writes = 0
    private var cadenceFallback = false

    /// A writer of `fd` (not closed by the writer); `limit` bounds the bytes buffered in batched mode.
    public init(fd: Int32, mode: Mode, limit: Int = 1 << 20) {
        self.fd = fd
        self.limit = max(limit, 1)
        switch mode {
        case .immediate:
            cadenceMicros = nil
        case .batched(let cadence):
            let micros = cadence.components.seconds * 1_000_000 + cadence.components.attoseconds / 1_000_000_000_000
            cadenceMicros = UInt32(clamping: max(micros, 0))
        }
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// How many `write(2)` batches have been issued so far (for tests and diagnostics).
    public var batchesWritten: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return writes
    }

    /// Queues `line` (already ending in a newline), or writes it at once in immediate mode.
    public func write(_ line: some Collection<UInt8>) {
        guard let cadenceMicros else {
            pthread_mutex_lock(mutex)
            pending.append(contentsOf: line)
            pthread_mutex_unlock(mutex)
            flush()
            return
        }
        pthread_mutex_lock(mutex)
        if !started {
            started = true
            startThread(cadenceMicros: cadenceMicros)
        }
        let wasEmpty = pending.isEmpty
        pending.append(contentsOf: line)
        let full = pending.count >= limit || cadenceFallback
        pthread_mutex_unlock(mutex)
        // Woken after the unlock: woken under it, the writer ran only to block on the mutex this thread held, and
        // the caller (an event loop) paid a second wake-up to hand it over.
        if wasEmpty { pthread_cond_broadcast(condition) }
        if full { flush() }
    }

    /// Writes everything queued so far, after any batch the thread is writing; returns once it is in the file.
    public func flush() {
        pthread_mutex_lock(mutex)
        while writing { pthread_cond_wait(condition, mutex) }
        guard !pending.isEmpty else {
            pthread_mutex_unlock(mutex)
            return
        }
        writeBatch()
    }

    /// Called with `mutex` held and something pending: takes the pending bytes, writes them without the lock,
    /// and hands the emptied buffer back as the next spare; returns with `mutex` released.
    private func writeBatch() {
        var batch = takePending()
        writing = true
        pthread_mutex_unlock(mutex)
        writeAll(batch)
        batch.removeAll(keepingCapacity: true)
        finishWriting(returning: batch)
    }

    /// Called with `mutex` held: the pending bytes, leaving an empty buffer (the spare one) in their place.
    private func takePending() -> [UInt8] {
        var batch = spare
        spare = []
        swap(&batch, &pending)
        writes += 1
        return batch
    }

    private func finishWriting(returning buffer: [UInt8]) {
        pthread_mutex_lock(mutex)
        writing = false
        if buffer.capacity <= limit * 2 { spare = buffer }
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Starts the writer thread (a bare pthread: Foundation's `Thread` brings a run loop it does not need).
    private func startThread(cadenceMicros: UInt32) {
        let context = Unmanaged.passRetained(WriterContext(writer: self, cadenceMicros: cadenceMicros)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attributes, 256 * 1024)
        var thread = pthread_t()
        let created = pthread_create(
            &thread, &attributes,
            { raw in
                let context = Unmanaged<WriterContext>.fromOpaque(raw!).takeRetainedValue()
                context.writer.runWriter(cadenceMicros: context.cadenceMicros)
                return nil
            }, context)
        pthread_attr_destroy(&attributes)
        if created != 0 {
            Unmanaged<WriterContext>.fromOpaque(context).release()
            cadenceFallback = true
        }
    }

    /// The writer thread's loop: waits for lines, writes them all, rests `cadenceMicros`, forever.
    private func runWriter(cadenceMicros: UInt32) {
        while true {
            pthread_mutex_lock(mutex)
            while pending.isEmpty || writing { pthread_cond_wait(condition, mutex) }
            writeBatch()
            if cadenceMicros > 0 { usleep(cadenceMicros) }
        }
    }

    /// Writes every byte, retrying partial writes and EINTR; gives up silently on any other error (a log
    /// line that cannot be written must not stop the service).
    private func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = systemWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }
}

private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        Glibc.write(fd, bytes, count)
    #elseif canImport(Musl)
        Musl.write(fd, bytes, count)
    #else
        Darwin.write(fd, bytes, count)
    #endif
}

/// What the writer thread is started with.
private final class WriterContext {
    let writer: LogLineWriter
    let cadenceMicros: UInt32

    init(writer: LogLineWriter, cadenceMicros: UInt32) {
        self.writer = writer
        self.cadenceMicros = cadenceMicros
    }
}
