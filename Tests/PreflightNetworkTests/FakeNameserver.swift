import NIOCore
import NIOPosix
import PreflightNetwork
import PreflightTestSupport
import Synchronization

/// A UDP and TCP nameserver on 127.0.0.1 (one port for both) answering from a table keyed by
/// "name TYPE" (lowercased name, "A", "AAAA"). A name not in the table gets NXDOMAIN.
final class FakeNameserver: Sendable {
    /// How the server treats one question.
    struct Entry: Sendable {
        var records: [DNSResourceRecord] = []
        var responseCode: UInt8 = 0
        /// TC over UDP with no records; the whole answer over TCP.
        var truncatedOverUDP = false
        /// Never answers (over UDP or TCP): a nameserver that drops the query.
        var silent = false
        /// Before the real answer, sends a reply with another id and a reply to another question.
        var spoofFirst = false
        /// Sends only the spoofed replies, never the real one.
        var onlySpoofed = false
    }

    let port: Int
    private let udp: any Channel
    private let tcp: any Channel
    private let queries = SharedList()

    /// Every question received, as "name TYPE udp" or "name TYPE tcp", in order.
    var received: [String] { queries.items }

    /// Binds to 127.0.0.1 on `port` (0: any free port) for both UDP and TCP.
    init(_ table: [String: Entry], port: Int = 0) async throws {
        let queries = self.queries
        let answer: @Sendable ([UInt8], Bool) -> [[UInt8]] = { bytes, overTCP in
            guard let query = try? DNSMessage.decode(bytes), let question = query.questions.first else { return [] }
            let key = "\(question.name.lowercased()) \(question.type)"
            queries.append(key + (overTCP ? " tcp" : " udp"))
            let entry = table[key] ?? Entry(responseCode: 3)
            if entry.silent { return [] }
            let truncate = entry.truncatedOverUDP && !overTCP
            let reply = DNSMessage(
                id: query.id, isResponse: true, truncated: truncate, responseCode: entry.responseCode,
                questions: query.questions, answers: truncate ? [] : entry.records)
            var replies: [[UInt8]] = []
            if entry.spoofFirst || entry.onlySpoofed {
                var wrongID = reply
                wrongID.id &+= 1
                wrongID.answers = [Self.a("spoofed.example", "6.6.6.6")]
                var wrongQuestion = reply
                wrongQuestion.questions = [("other.example", question.type)]
                wrongQuestion.answers = [Self.a("other.example", "6.6.6.7")]
                replies += [wrongID, wrongQuestion].compactMap { try? $0.encode() }
            }
            if !entry.onlySpoofed, let bytes = try? reply.encode() { replies.append(bytes) }
            return replies
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
        (tcp, udp) = try await bindSamePortTCPAndUDP(port: port, tcp: tcpBootstrap, udp: udpBootstrap)
        self.port = tcp.localAddress!.port!
    }

    func shutdown() async {
        try? await udp.close()
        try? await tcp.close()
    }

    /// A resolver that asks only this server, with `hosts` as its hosts file.
    func resolver(
        timeout: Duration = .seconds(5), attempts: Int = 1, search: [String] = [], ndots: Int = 1,
        hosts: HostsFile = HostsFile()
    ) -> HostResolver {
        HostResolver(
            configuration: DNSResolverConfiguration(
                nameservers: ["127.0.0.1"], timeout: timeout, attempts: attempts, searchDomains: search, ndots: ndots),
            port: port, hosts: hosts)
    }

    /// An A record.
    static func a(_ name: String, _ ip: String) -> DNSResourceRecord {
        DNSResourceRecord(name: name, type: .a, data: .other(IPAddress(ip)!.bytes))
    }

    /// An AAAA record.
    static func aaaa(_ name: String, _ ip: String) -> DNSResourceRecord {
        DNSResourceRecord(name: name, type: .aaaa, data: .other(IPAddress(ip)!.bytes))
    }

    /// A CNAME record.
    static func cname(_ name: String, _ target: String) -> DNSResourceRecord {
        DNSResourceRecord(name: name, type: .cname, data: .cname(target))
    }
}

final class FakeDNSDatagramHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>
    let answer: @Sendable ([UInt8]) -> [[UInt8]]
    init(answer: @escaping @Sendable ([UInt8]) -> [[UInt8]]) { self.answer = answer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = envelope.data.getBytes(at: envelope.data.readerIndex, length: envelope.data.readableBytes) ?? []
        for reply in answer(bytes) {
            context.write(
                wrapOutboundOut(
                    AddressedEnvelope(
                        remoteAddress: envelope.remoteAddress, data: context.channel.allocator.buffer(bytes: reply))),
                promise: nil)
        }
        context.flush()
    }
}

final class FakeDNSStreamHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let answer: @Sendable ([UInt8]) -> [[UInt8]]
    var buffer: [UInt8] = []
    init(answer: @escaping @Sendable ([UInt8]) -> [[UInt8]]) { self.answer = answer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        buffer += chunk.readBytes(length: chunk.readableBytes) ?? []
        guard buffer.count >= 2 else { return }
        let length = Int(buffer[0]) << 8 | Int(buffer[1])
        guard buffer.count >= 2 + length else { return }
        let replies = answer(Array(buffer[2..<(2 + length)]))
        buffer.removeFirst(2 + length)
        for reply in replies {
            context.write(
                wrapOutboundOut(
                    context.channel.allocator.buffer(
                        bytes: [UInt8(reply.count >> 8), UInt8(reply.count & 0xFF)] + reply)
                ),
                promise: nil)
        }
        context.flush()
    }
}

/// A list of strings shared by tasks and channel handlers (what a server received, the order lookups ended).
final class SharedList: Sendable {
    private let list = Mutex<[String]>([])
    var items: [String] { list.withLock { $0 } }
    func append(_ item: String) { list.withLock { $0.append(item) } }
}
