import NIOCore
import NIOPosix
import PreflightMongo
import PreflightNetwork
import PreflightTestSupport
import Synchronization

/// An in-process server on 127.0.0.1 that speaks just enough of the MongoDB wire protocol for probe
/// tests: each request (OP_MSG or OP_QUERY) goes to `respond`, whose document is sent back as the
/// same kind of reply; nil closes the connection.
final class FakeMongoServer: Sendable {
    typealias Responder = @Sendable (_ command: BSONDocument, _ opCode: Int32) -> BSONDocument?

    let port: Int
    private let channel: any Channel
    private let log = Locked<[String]>([])
    private let frameLog = Locked<[[UInt8]]>([])

    /// The command names received, in order (all connections).
    var commands: [String] { log.value }

    /// Every whole message received, byte for byte, in order (all connections): for an independent
    /// decoder (`IndependentVerifier.run(.mongo, ...)`), since this fake decodes with our own BSON code.
    var frames: [[UInt8]] { frameLog.value }

    init(_ respond: @escaping Responder) async throws {
        let log = self.log
        let frameLog = self.frameLog
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        FakeMongoHandler(respond: respond, log: log, frames: frameLog))
                }
            }
        channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress!.port!
    }

    func shutdown() async { try? await channel.close() }

    /// The answer to a `saslStart`: the client's nonce extended, a fixed salt and 4,096 iterations. Any
    /// password then gets as far as `saslContinue`, which the test answers.
    static func saslStartReply(to command: BSONDocument) -> BSONDocument {
        let first = String(decoding: command["payload"]?.binaryBytes ?? [], as: UTF8.self)
        let nonce = first.components(separatedBy: "r=").last ?? ""
        let reply = "r=\(nonce)SERVER,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
        return [
            "conversationId": 1, "done": false, "payload": .binary(subtype: 0, bytes: Array(reply.utf8)), "ok": 1.0,
        ]
    }

    /// A `hello` reply for a replica-set member or a standalone.
    static func hello(
        primary: Bool = true, setName: String? = nil, hosts: [String] = [], primaryHost: String? = nil, wire: Int = 21
    ) -> BSONDocument {
        var reply: BSONDocument = [
            "isWritablePrimary": .bool(primary), "ismaster": .bool(primary), "maxWireVersion": .int32(Int32(wire)),
            "minWireVersion": 0, "maxMessageSizeBytes": 48_000_000, "ok": 1.0,
        ]
        if let setName {
            reply["setName"] = .string(setName)
            reply["hosts"] = .array(hosts.map { .string($0) })
            reply["secondary"] = .bool(!primary)
            if let primaryHost { reply["primary"] = .string(primaryHost) }
        }
        return reply
    }

    /// Answers the readiness commands as a healthy replica set would (no auth).
    static func healthy(_ command: BSONDocument, hello: BSONDocument) -> BSONDocument {
        switch command.keys.first ?? "" {
        case "hello", "isMaster", "ismaster": return hello
        case "buildInfo": return ["version": "7.0.12", "ok": 1.0]
        case "aggregate":
            return ["cursor": ["id": .int64(0), "ns": "admin.$cmd.aggregate", "firstBatch": []], "ok": 1.0]
        case "find":
            let sort = command["sort"]?.documentValue?["$natural"]?.intValue ?? 1
            let seconds: UInt32 = sort == 1 ? 1_700_000_000 : 1_700_000_000 + 30 * 3600
            return [
                "cursor": [
                    "id": .int64(0), "firstBatch": [.document(["ts": .timestamp(seconds: seconds, increment: 1)])],
                ], "ok": 1.0,
            ]
        case "listCollections": return ["cursor": ["id": .int64(0), "firstBatch": [["name": "items"]]], "ok": 1.0]
        default: return ["ok": 0.0, "errmsg": "no such command", "code": 59]
        }
    }
}

final class FakeMongoHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let respond: FakeMongoServer.Responder
    private let log: Locked<[String]>
    private let frames: Locked<[[UInt8]]>
    private var buffer: [UInt8] = []

    init(respond: @escaping FakeMongoServer.Responder, log: Locked<[String]>, frames: Locked<[[UInt8]]>) {
        self.respond = respond
        self.log = log
        self.frames = frames
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        buffer += chunk.readBytes(length: chunk.readableBytes) ?? []
        while buffer.count >= 16 {
            let length = Int(Self.int32(buffer, 0))
            guard length >= 16, length < 1 << 20 else {
                context.close(promise: nil)
                return
            }
            guard buffer.count >= length else { return }
            let frame = Array(buffer[0..<length])
            buffer.removeFirst(length)
            frames.update { $0.append(frame) }
            let requestID = Self.int32(frame, 4)
            let opCode = Self.int32(frame, 12)
            var document: BSONDocument?
            if opCode == 2013 {
                document = try? BSONDocument.decodePrefix(frame[21...]).0
            } else if opCode == 2004, let nul = frame[20...].firstIndex(of: 0) {
                document = try? BSONDocument.decodePrefix(frame[(nul + 9)...]).0
            }
            guard let document else {
                context.close(promise: nil)
                return
            }
            log.update { $0.append(document.keys.first ?? "?") }
            guard let reply = respond(document, opCode) else {
                context.close(promise: nil)
                return
            }
            var out: [UInt8]
            if opCode == 2013 {
                out = [0, 0, 0, 0, 0] + reply.encoded()
                out = Self.le(Int32(16 + out.count)) + Self.le(1) + Self.le(requestID) + Self.le(2013) + out
            } else {
                out = [8, 0, 0, 0] + [UInt8](repeating: 0, count: 8) + Self.le(0) + Self.le(1) + reply.encoded()
                out = Self.le(Int32(16 + out.count)) + Self.le(1) + Self.le(requestID) + Self.le(1) + out
            }
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: out)), promise: nil)
        }
    }

    static func int32(_ bytes: [UInt8], _ at: Int) -> Int32 {
        Int32(
            bitPattern: UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(
                bytes[at + 3]) << 24)
    }

    static func le(_ value: Int32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
}

/// A UDP and TCP nameserver on 127.0.0.1 (one port for both) answering from a table; a name whose answer
/// is marked `truncatedOverUDP` gets TC over UDP and the whole answer over TCP.
final class FakeNameserver: Sendable {
    struct Entry: Sendable {
        var records: [DNSResourceRecord]
        var responseCode: UInt8 = 0
        var truncatedOverUDP = false
    }

    let port: Int
    private let udp: any Channel
    private let tcp: any Channel
    private let queries = Locked<[String]>([])

    var received: [String] { queries.value }

    init(_ table: [String: Entry]) async throws {
        let queries = self.queries
        let answer: @Sendable ([UInt8], Bool) -> [UInt8]? = { bytes, overTCP in
            guard let query = try? DNSMessage.decode(bytes), let question = query.questions.first else { return nil }
            let key = "\(question.name.lowercased()) \(question.type)"
            queries.update { $0.append(key + (overTCP ? " tcp" : " udp")) }
            let entry = table[key] ?? Entry(records: [], responseCode: 3)
            let truncate = entry.truncatedOverUDP && !overTCP
            let reply = DNSMessage(
                id: query.id, isResponse: true, truncated: truncate, responseCode: entry.responseCode,
                questions: query.questions, answers: truncate ? [] : entry.records)
            return try? reply.encode()
        }
        let group = MultiThreadedEventLoopGroup.singleton
        let tcpBootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FakeDNSStreamHandler(answer: { answer($0, true) }))
                }
            }
        let udpBootstrap = DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        FakeDNSDatagramHandler(answer: { answer($0, false) }))
                }
            }
        (tcp, udp) = try await bindSamePortTCPAndUDP(port: 0, tcp: tcpBootstrap, udp: udpBootstrap)
        self.port = tcp.localAddress!.port!
    }

    func shutdown() async {
        try? await udp.close()
        try? await tcp.close()
    }
}

final class FakeDNSDatagramHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>
    let answer: @Sendable ([UInt8]) -> [UInt8]?
    init(answer: @escaping @Sendable ([UInt8]) -> [UInt8]?) { self.answer = answer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = envelope.data.getBytes(at: envelope.data.readerIndex, length: envelope.data.readableBytes) ?? []
        guard let reply = answer(bytes) else { return }
        context.writeAndFlush(
            wrapOutboundOut(
                AddressedEnvelope(
                    remoteAddress: envelope.remoteAddress, data: context.channel.allocator.buffer(bytes: reply))),
            promise: nil)
    }
}

final class FakeDNSStreamHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let answer: @Sendable ([UInt8]) -> [UInt8]?
    var buffer: [UInt8] = []
    init(answer: @escaping @Sendable ([UInt8]) -> [UInt8]?) { self.answer = answer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        buffer += chunk.readBytes(length: chunk.readableBytes) ?? []
        guard buffer.count >= 2 else { return }
        let length = Int(buffer[0]) << 8 | Int(buffer[1])
        guard buffer.count >= 2 + length, let reply = answer(Array(buffer[2..<(2 + length)])) else { return }
        buffer.removeFirst(2 + length)
        context.writeAndFlush(
            wrapOutboundOut(
                context.channel.allocator.buffer(bytes: [UInt8(reply.count >> 8), UInt8(reply.count & 0xFF)] + reply)),
            promise: nil)
    }
}

/// A value behind a lock, shareable between tasks and closures.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    var value: Value { mutex.withLock { $0 } }
    func update(_ change: (inout Value) -> Void) { mutex.withLock { change(&$0) } }
}
