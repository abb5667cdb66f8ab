import NIOCore

/// Raised when a peer sends more than a ping could ever need.
public struct InboundByteLimitExceeded: Error, Sendable {
    public let limit: Int
}

/// Closes the connection when the peer has sent more than `limit` bytes in all: a ping reads a few
/// kilobytes, so a peer announcing or streaming megabytes is hostile or not what we think it is.
/// It sits first in every pipeline, so nothing behind it can be made to buffer more.
public final class InboundByteLimit: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer

    public let limit: Int
    private var counted = 0

    public init(limit: Int = 1 << 20) {
        self.limit = limit
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        counted += buffer.readableBytes
        guard counted <= limit else {
            context.fireErrorCaught(InboundByteLimitExceeded(limit: limit))
            context.close(promise: nil)
            return
        }
        context.fireChannelRead(data)
    }
}
