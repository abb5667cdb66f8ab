import NIOCore
import NIOPosix
import Testing

@testable import PreflightSSH

#if canImport(Glibc)
    import Glibc
#endif

/// The bastion connection's ACKs leave at once: QuickAck arms TCP_QUICKACK when the connection opens
/// and again after every read (Linux clears it by itself).
@Suite struct QuickAckTests {
    #if os(Linux)
        @Test func armedOnOpenAndAfterEveryRead() async throws {
            let group = MultiThreadedEventLoopGroup.singleton
            let server = try await ServerBootstrap(group: group)
                .childChannelInitializer { child in
                    child.eventLoop.makeSucceededVoidFuture().map {
                        child.writeAndFlush(ByteBuffer(string: "SSH-2.0-peer\r\n"), promise: nil)
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            defer { server.close(promise: nil) }
            let read = group.next().makePromise(of: Int32.self)
            let client = try await ClientBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(QuickAck())
                        try channel.pipeline.syncOperations.addHandler(AfterRead(promise: read))
                    }
                }
                .connect(to: server.localAddress!).get()
            defer { client.close(promise: nil) }
            // The option as the kernel reports it right after our handler re-armed it on the read.
            #expect(try await read.futureResult.get() == 1)
        }
    #endif
}

/// Clears TCP_QUICKACK once the connection is up (delayed ACKs, as Linux does for a connection it deems
/// interactive), then reads it back after the first read has passed QuickAck: 1 only if QuickAck re-armed it.
private final class AfterRead: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let promise: EventLoopPromise<Int32>
    init(promise: EventLoopPromise<Int32>) { self.promise = promise }

    func channelActive(context: ChannelHandlerContext) {
        #if os(Linux)
            try? context.channel.syncOptions?.setOption(
                ChannelOptions.socket(SocketOptionLevel(IPPROTO_TCP), SocketOptionName(TCP_QUICKACK)), value: 0)
        #endif
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        #if os(Linux)
            let value = try? context.channel.syncOptions?.getOption(
                ChannelOptions.socket(SocketOptionLevel(IPPROTO_TCP), SocketOptionName(TCP_QUICKACK)))
            promise.succeed(Int32(value ?? -1))
        #endif
    }
}
