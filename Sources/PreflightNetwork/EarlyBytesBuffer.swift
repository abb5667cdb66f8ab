import NIOCore

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
        if passing { context.fireChannelInactive() } else { heldInactive = true }
    }

    /// Passes on everything held (reads, then the close if it came) and lets later traffic through.
    func release() {
        guard !passing, let context else { return }
        passing = true
        let pending = held
        held = []
        for data in pending { context.fireChannelRead(data) }
        if !pending.isEmpty { context.fireChannelReadComplete() }
        if heldInactive { context.fireChannelInactive() }
    }
}

extension Channel {
    /// Lets bytes that arrived before the reader was installed reach it. Call on the event loop,
    /// after adding the reader. A no-op when there is no `EarlyBytesBuffer`.
    public func releaseEarlyBytes() {
        if let buffer = try? pipeline.syncOperations.handler(type: EarlyBytesBuffer.self) { buffer.release() }
    }
}
