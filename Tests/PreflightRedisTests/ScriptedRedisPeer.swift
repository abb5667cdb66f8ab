import NIOCore
import NIOPosix
import PreflightRedis
import Synchronization

/// An in-process Redis-like server for behaviours the local redis-server cannot show (a Redis 5 without
/// HELLO, LOADING, max clients): it decodes each command with `RESPDecoder` and answers with what
/// `respond` returns (nil: no answer). Since that decoder is our own, it also keeps the raw bytes of
/// each connection (`streams`) for redis-py to parse (`IndependentVerifier.run(.resp, ...)`).
final class ScriptedRedisPeer: Sendable {
    let port: Int
    private let channel: any Channel
    private let log: CommandLog

    /// The commands received, in order.
    var commands: [[String]] { log.entries }

    /// What each connection sent, byte for byte, in the order the connections opened.
    var streams: [[UInt8]] { log.streams }

    init(respond: @escaping @Sendable ([String]) -> String?) async throws {
        let log = CommandLog()
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let stream = log.openStream()
                    try channel.pipeline.syncOperations.addHandler(
                        CommandHandler(respond: respond, log: log, stream: stream))
                }
            }
        channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
        self.log = log
    }

    func shutdown() async { try? await channel.close() }

    final class CommandLog: Sendable {
        private let state = Mutex<(entries: [[String]], streams: [[UInt8]])>(([], []))
        var entries: [[String]] { state.withLock { $0.entries } }
        var streams: [[UInt8]] { state.withLock { $0.streams } }
        func append(_ command: [String]) { state.withLock { $0.entries.append(command) } }
        /// A new connection's stream; returns its index.
        func openStream() -> Int {
            state.withLock { state in
                state.streams.append([])
                return state.streams.count - 1
            }
        }
        func received(_ bytes: [UInt8], on stream: Int) { state.withLock { $0.streams[stream] += bytes } }
    }

    /// Only touched on its channel's event loop.
    final class CommandHandler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        private var buffer: [UInt8] = []
        private let respond: @Sendable ([String]) -> String?
        private let log: CommandLog
        private let stream: Int

        init(respond: @escaping @Sendable ([String]) -> String?, log: CommandLog, stream: Int) {
            self.respond = respond
            self.log = log
            self.stream = stream
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            let received = bytes.readBytes(length: bytes.readableBytes) ?? []
            log.received(received, on: stream)
            buffer += received
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
