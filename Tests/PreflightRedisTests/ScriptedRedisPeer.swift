import NIOCore
import NIOPosix
import PreflightRedis
import Synchronization

/// An in-process Redis-like server for behaviours the local redis-server cannot show (a Redis 5 without
/// HELLO, LOADING, max clients): it decodes each command with `RESPDecoder` and answers with what
/// `respond` returns (nil: no answer).
final class ScriptedRedisPeer: Sendable {
    let port: Int
    private let channel: any Channel
    private let log: CommandLog

    /// The commands received, in order.
    var commands: [[String]] { log.entries }

    init(respond: @escaping @Sendable ([String]) -> String?) async throws {
        let log = CommandLog()
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(CommandHandler(respond: respond, log: log))
                }
            }
        channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
        self.log = log
    }

    func shutdown() async { try? await channel.close() }

    final class CommandLog: Sendable {
        private let state = Mutex<[[String]]>([])
        var entries: [[String]] { state.withLock { $0 } }
        func append(_ command: [String]) { state.withLock { $0.append(command) } }
    }

    /// Only touched on its channel's event loop.
    final class CommandHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        private var buffer: [UInt8] = []
        private let respond: @Sendable ([String]) -> String?
        private let log: CommandLog

        init(respond: @escaping @Sendable ([String]) -> String?, log: CommandLog) {
            self.respond = respond
            self.log = log
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            buffer += bytes.readBytes(length: bytes.readableBytes) ?? []
            while let (value, next) = try? RESPDecoder.decode(buffer) {
                buffer.removeFirst(next)
                guard case .array(let items) = value else { continue }
                let command = items.compactMap(\.text)
                log.append(command)
                if let answer = respond(command) {
                    context.writeAndFlush(NIOAny(context.channel.allocator.buffer(string: answer)), promise: nil)
                }
            }
        }
    }
}
