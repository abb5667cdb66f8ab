import NIOCore
import NIOPosix
import PreflightOracle

/// A TNS listener on loopback that accepts every CONNECT (an ACCEPT at version 319) and then says nothing:
/// a database behind a listener that never answers the login, which an oracle ping reports as `timeout`.
final class OracleAcceptingListener: Sendable {
    /// The port it listens on.
    let port: Int
    private let channel: any Channel

    init() async throws {
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(AcceptOnce()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else { throw ChannelError.unknownLocalAddress }
        self.port = port
    }

    /// Stops listening.
    func shutdown() async {
        try? await channel.close()
    }
}

/// Answers the first whole packet (the CONNECT; its length is the first two bytes) with an ACCEPT.
private final class AcceptOnce: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    private var received = ByteBuffer()
    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard !answered else { return }
        received.writeBuffer(&buffer)
        guard let length = received.getInteger(at: received.readerIndex, as: UInt16.self),
            received.readableBytes >= Int(length)
        else { return }
        answered = true
        let accept = TNSAccept(version: 319, sdu: 8192).packet.encoded()
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: accept)), promise: nil)
    }
}
