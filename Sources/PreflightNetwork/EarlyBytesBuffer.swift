import NIOCore
import Synchronization

/// Holds what a peer sends before the probe has installed the handler that reads it. Servers that
/// speak first (SSH, MySQL, SMTP) send their banner the moment the connection opens, often before the
/// probe's reader is in the pipeline; without this, NIO would drop those bytes at the pipeline's tail.
/// The dialer installs it right after the byte limit; a reader calls `Channel.releaseEarlyBytes()`
/// once it is in place, after which everything passes straight through.
public final class EarlyBytesBuffer: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer

    private var held: [NIOAny] = []
    private var heldInactive = false
    private var passing = false
    private var context: ChannelHandlerContext?

    public init() {}

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if passing { context.fireChannelRead(data) } else { held.append(data) }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        if passing { return context.fireChannelInactive() }
        heldInactive = true
        // The pipeline is torn down after a close: keep what was said where `exchange` can find it.
        var merged = context.channel.allocator.buffer(capacity: 0)
        for data in held {
            var bytes = unwrapInboundIn(data)
            merged.writeBuffer(&bytes)
        }
        if merged.readableBytes > 0 { EarlyBytesLeftovers.keep(merged, for: context.channel) }
    }

    /// The first `limit` bytes held so far, without releasing them.
    func peek(limit: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        for data in held where bytes.count < limit {
            let buffer = unwrapInboundIn(data)
            bytes +=
                buffer.getBytes(at: buffer.readerIndex, length: min(limit - bytes.count, buffer.readableBytes)) ?? []
        }
        return bytes
    }

    /// Passes on everything held (reads, then the close if it came) and lets later traffic through.
    func release() {
        guard !passing, let context else { return }
        passing = true
        let pending = held
        held = []
        for data in pending { context.fireChannelRead(data) }
        if !pending.isEmpty { context.fireChannelReadComplete() }
        if heldInactive {
            EarlyBytesLeftovers.discard(for: context.channel)
            context.fireChannelInactive()
        }
    }
}

extension Channel {
    /// Lets bytes that arrived before the reader was installed reach it. Call on the event loop,
    /// after adding the reader. A no-op when there is no `EarlyBytesBuffer`.
    public func releaseEarlyBytes() {
        if let buffer = try? pipeline.syncOperations.handler(type: EarlyBytesBuffer.self) { buffer.release() }
    }
}

extension Channel {
    /// The first bytes the peer sent that no reader has taken yet (a server that speaks first), or
    /// what it sent before closing. Empty when it has said nothing.
    public func peekEarlyBytes(limit: Int = 64) async -> [UInt8] {
        let channel = self
        let held = try? await eventLoop.submit { () -> [UInt8] in
            if let buffer = try? channel.pipeline.syncOperations.handler(type: EarlyBytesBuffer.self) {
                return buffer.peek(limit: limit)
            }
            return []
        }.get()
        if let held, !held.isEmpty { return held }
        if let kept = EarlyBytesLeftovers.peek(for: self) { return Array(kept.readableBytesView.prefix(limit)) }
        return []
    }
}

/// What peers sent before closing, kept when the channel closed while its bytes were still held
/// (a MySQL "host not allowed" error packet followed by a close, say): closing a channel tears down
/// its pipeline, so the buffer hands them here for `exchange` to find. `ProbeContext.closeAll` clears
/// the entries of every channel it registered, so nothing outlives its ping.
public enum EarlyBytesLeftovers {
    private static let store = Mutex<[ObjectIdentifier: ByteBuffer]>([:])

    static func keep(_ bytes: ByteBuffer, for channel: any Channel) {
        store.withLock { $0[ObjectIdentifier(channel)] = bytes }
    }

    /// The bytes kept for `channel`, removed from the store.
    public static func take(for channel: any Channel) -> ByteBuffer? {
        store.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// The bytes kept for `channel`, left in the store.
    public static func peek(for channel: any Channel) -> ByteBuffer? {
        store.withLock { $0[ObjectIdentifier(channel)] }
    }

    /// Forgets whatever was kept for `channel`.
    public static func discard(for channel: any Channel) {
        _ = take(for: channel)
    }
}
