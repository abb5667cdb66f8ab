import Foundation
import NIOCore
import NIOPosix

/// Why a DNS lookup produced no message.
public enum DNSLookupFailure: Error, Sendable, Equatable {
    /// No server answered in time; the servers tried.
    case timedOut(servers: [String])
    /// A server answered with something that is not a DNS reply to our query.
    case malformed(String)
    /// The query could not be sent (no socket, no route).
    case unreachable(String)
}

/// Sends DNS queries over UDP to the configured nameservers, one at a time with a deadline, and asks
/// again over TCP when an answer comes back truncated (RFC 1035 section 4.2; RFC 7766).
public struct DNSClient: Sendable {
    /// The configuration to use, read at each lookup (so /etc/resolv.conf changes are seen).
    public var configuration: @Sendable () -> DNSResolverConfiguration
    /// The nameservers' port (53; tests point it at a local fake server).
    public var port: Int

    /// A client for the system's nameservers.
    public init() {
        self.configuration = { DNSResolverConfiguration.system() }
        self.port = 53
    }

    /// A client for explicit nameservers (tests, or a service configured with its own resolvers).
    public init(nameservers: [String], port: Int = 53, timeout: Duration = .seconds(2), attempts: Int = 1) {
        self.init(
            configuration: DNSResolverConfiguration(nameservers: nameservers, timeout: timeout, attempts: attempts),
            port: port)
    }

    /// A client for a fixed configuration (tests, or a service configured with its own resolvers).
    public init(configuration: DNSResolverConfiguration, port: Int = 53) {
        self.configuration = { configuration }
        self.port = port
    }

    /// Asks for `name`/`type` within `budget`. `register` receives every channel opened (the ping closes
    /// them at its deadline). Returns the first well-formed answer whose RCODE is not SERVFAIL or REFUSED,
    /// or the last such answer when every server failed that way.
    public func query(
        _ name: String, type: DNSRecordType, budget: Duration, group: any EventLoopGroup,
        register: @escaping @Sendable (any Channel) -> Void = { _ in }
    ) async throws(DNSLookupFailure) -> DNSMessage {
        try await query(
            name, type: type, budget: budget, group: group, configuration: configuration(), register: register)
    }

    /// `query` with a configuration already read (a lookup asking several questions reads it once).
    /// Waiting holds no thread: the sockets are NIO channels and a cancelled task stops waiting at once.
    func query(
        _ name: String, type: DNSRecordType, budget: Duration, group: any EventLoopGroup,
        configuration: DNSResolverConfiguration, register: @escaping @Sendable (any Channel) -> Void
    ) async throws(DNSLookupFailure) -> DNSMessage {
        let end = ContinuousClock.now + budget
        var tried: [String] = []
        var lastFailure: DNSLookupFailure?
        var lastAnswer: DNSMessage?
        let rounds = configuration.attempts
        let servers = configuration.nameservers
        let attemptsLeftAtStart = max(1, rounds * servers.count)
        var attemptIndex = 0
        for _ in 0..<rounds {
            for server in servers {
                if Task.isCancelled { throw .timedOut(servers: tried) }
                let remaining = end - ContinuousClock.now
                guard remaining > .milliseconds(5) else { break }
                let share = remaining / max(1, attemptsLeftAtStart - attemptIndex)
                let wait = min(configuration.timeout, max(share, min(remaining, .milliseconds(500))))
                attemptIndex += 1
                let shown = server.contains(":") ? "[\(server)]:\(port)" : "\(server):\(port)"
                if !tried.contains(shown) { tried.append(shown) }
                let address: SocketAddress
                do { address = try SocketAddress(ipAddress: server, port: port) } catch {
                    lastFailure = .unreachable("\(server) is not an IP address")
                    continue
                }
                let id = UInt16.random(in: 0...UInt16.max)
                let request: [UInt8]
                do throws(DNSError) { request = try DNSMessage.query(id: id, name: name, type: type) } catch {
                    throw .malformed("cannot ask for \(name.prefix(80)): \(error.reason)")
                }
                do throws(DNSLookupFailure) {
                    var answer = try await Self.udpExchange(
                        request, id: id, question: (name, type), to: address, wait: wait, group: group,
                        register: register)
                    if answer.truncated {
                        let left = end - ContinuousClock.now
                        answer = try await Self.tcpExchange(
                            request, id: id, to: address, wait: min(configuration.timeout, left), group: group,
                            register: register)
                    }
                    try Self.check(answer, name: name, type: type)
                    if answer.responseCode == 2 || answer.responseCode == 5 {
                        lastAnswer = answer
                        continue
                    }
                    return answer
                } catch {
                    lastFailure = error
                }
            }
        }
        if let lastAnswer { return lastAnswer }
        if case .malformed = lastFailure { throw lastFailure! }
        if case .unreachable = lastFailure, tried.count <= 1 { throw lastFailure! }
        throw .timedOut(servers: tried)
    }

    /// Whether the answer is a response to our question: a response carrying exactly the one question asked.
    static func check(_ answer: DNSMessage, name: String, type: DNSRecordType) throws(DNSLookupFailure) {
        guard answer.isResponse else { throw .malformed("the nameserver sent a query instead of an answer") }
        guard answer.questions.count == 1, let question = answer.questions.first else {
            throw .malformed("the nameserver's answer carries \(answer.questions.count) questions instead of ours")
        }
        guard
            question.name.lowercased() == name.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".")),
            question.type == type
        else {
            throw .malformed(
                "the nameserver answered a different question (\(question.name.prefix(80)) \(question.type))")
        }
    }

    /// Whether `bytes` are an answer to query `id` for `question`: what a UDP reply must be to be listened to.
    /// Anything else (another query's id, another question, garbage) may be spoofed and is ignored.
    public static func isReply(_ bytes: [UInt8], id: UInt16, question: (name: String, type: DNSRecordType))
        -> DNSMessage?
    {
        guard bytes.count >= 12, UInt16(bytes[0]) << 8 | UInt16(bytes[1]) == id else { return nil }
        guard let message = try? DNSMessage.decode(bytes) else { return nil }
        do throws(DNSLookupFailure) { try check(message, name: question.name, type: question.type) } catch {
            return nil
        }
        return message
    }

    static func udpExchange(
        _ request: [UInt8], id: UInt16, question: (name: String, type: DNSRecordType), to server: SocketAddress,
        wait: Duration, group: any EventLoopGroup, register: @escaping @Sendable (any Channel) -> Void
    ) async throws(DNSLookupFailure) -> DNSMessage {
        let loop = group.next()
        let promise = loop.makePromise(of: DNSMessage.self)
        let bindHost = server.protocol == .inet6 ? "::" : "0.0.0.0"
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: loop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            DNSDatagramHandler(server: server, id: id, question: question, promise: promise))
                    }
                }
                .bind(host: bindHost, port: 0).get()
        } catch {
            throw .unreachable("could not open a UDP socket: \(error)")
        }
        register(channel)
        defer { channel.close(promise: nil) }
        let timer = loop.scheduleTask(in: .nanoseconds(Int64(wait.milliseconds * 1_000_000))) {
            promise.fail(DNSLookupFailure.timedOut(servers: []))
        }
        var buffer = channel.allocator.buffer(capacity: request.count)
        buffer.writeBytes(request)
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: server, data: buffer)).whenFailure { error in
            promise.fail(DNSLookupFailure.unreachable("sending the DNS query failed: \(error)"))
        }
        defer { timer.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                promise.fail(DNSLookupFailure.timedOut(servers: []))
            }
        } catch let failure as DNSLookupFailure {
            throw failure
        } catch {
            throw .unreachable("\(error)")
        }
    }

    static func tcpExchange(
        _ request: [UInt8], id: UInt16, to server: SocketAddress, wait: Duration, group: any EventLoopGroup,
        register: @escaping @Sendable (any Channel) -> Void
    ) async throws(DNSLookupFailure) -> DNSMessage {
        guard wait > .zero else { throw .timedOut(servers: []) }
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.nanoseconds(Int64(wait.milliseconds * 1_000_000)))
                .connect(to: server).get()
        } catch {
            throw .unreachable("the nameserver's TCP port could not be reached for a truncated answer: \(error)")
        }
        register(channel)
        defer { channel.close(promise: nil) }
        var buffer = channel.allocator.buffer(capacity: request.count + 2)
        buffer.writeInteger(UInt16(request.count))
        buffer.writeBytes(request)
        let response: [UInt8]
        do {
            let reply = try await channel.exchangeDNS(buffer, timeout: wait)
            response = reply
        } catch let failure as DNSLookupFailure {
            throw failure
        } catch {
            throw .unreachable("\(error)")
        }
        let message: DNSMessage
        do throws(DNSError) { message = try DNSMessage.decode(response) } catch {
            throw .malformed("the nameserver's TCP answer is not a DNS message: \(error.reason)")
        }
        guard message.id == id else { throw .malformed("the nameserver's TCP answer has another query's id") }
        return message
    }
}

/// Accepts the first datagram from the nameserver that answers our query (its id and its question);
/// ignores anything else, so a spoofed or stray datagram cannot end the wait.
final class DNSDatagramHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let server: SocketAddress
    private let id: UInt16
    private let question: (name: String, type: DNSRecordType)
    private let promise: EventLoopPromise<DNSMessage>

    init(
        server: SocketAddress, id: UInt16, question: (name: String, type: DNSRecordType),
        promise: EventLoopPromise<DNSMessage>
    ) {
        self.server = server
        self.id = id
        self.question = question
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.remoteAddress.ipAddress == server.ipAddress, envelope.remoteAddress.port == server.port else {
            return
        }
        let bytes = envelope.data.getBytes(at: envelope.data.readerIndex, length: envelope.data.readableBytes) ?? []
        guard let message = DNSClient.isReply(bytes, id: id, question: question) else { return }
        promise.succeed(message)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port unreachable and the like: keep waiting for the timer; a late answer may still come.
    }
}

/// Reads one length-prefixed DNS message over TCP (RFC 1035 section 4.2.2); keeps at most that message
/// (2 + 65,535 bytes) and ignores whatever follows it.
final class DNSStreamHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private var buffer: [UInt8] = []
    private var done = false
    private let promise: EventLoopPromise<[UInt8]>

    init(promise: EventLoopPromise<[UInt8]>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        let chunk = unwrapInboundIn(data)
        let wanted = buffer.count >= 2 ? 2 + (Int(buffer[0]) << 8 | Int(buffer[1])) - buffer.count : 2 + 65_535
        buffer += chunk.getBytes(at: chunk.readerIndex, length: min(chunk.readableBytes, max(wanted, 0))) ?? []
        guard buffer.count >= 2 else { return }
        let length = Int(buffer[0]) << 8 | Int(buffer[1])
        if buffer.count >= 2 + length {
            done = true
            promise.succeed(Array(buffer[2..<(2 + length)]))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(DNSLookupFailure.malformed("the nameserver closed the TCP connection before a whole answer"))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(DNSLookupFailure.unreachable("\(error)"))
    }
}

extension Channel {
    /// Writes `request` and reads one length-prefixed DNS message, within `timeout`.
    func exchangeDNS(_ request: ByteBuffer, timeout: Duration) async throws -> [UInt8] {
        let promise = eventLoop.makePromise(of: [UInt8].self)
        try await eventLoop.submit {
            try self.pipeline.syncOperations.addHandler(DNSStreamHandler(promise: promise))
            let timer = self.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout.milliseconds * 1_000_000))) {
                promise.fail(DNSLookupFailure.timedOut(servers: []))
            }
            promise.futureResult.whenComplete { _ in timer.cancel() }
            self.writeAndFlush(request, promise: nil)
        }.get()
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            promise.fail(DNSLookupFailure.timedOut(servers: []))
        }
    }
}
