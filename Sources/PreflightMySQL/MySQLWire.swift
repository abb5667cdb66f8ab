import NIOCore
import PreflightCore
import PreflightNetwork

/// Why reading or writing packets stopped.
enum MySQLWireError: Error, Sendable {
    /// The peer closed the connection; `pending` is the unfinished frame (bytes had, bytes announced), if any.
    case closed(pending: (have: Int, announced: Int)?)
    case timedOut
    case framing(MySQLFramingError)
    /// The peer sent more than a ping may read (InboundByteLimit).
    case byteLimit
    case channel(String)
}

/// Turns inbound bytes into MySQL packets and hands them to one waiting reader; frames outbound payloads
/// with the exchange's sequence ids. Only touched on its channel's event loop.
final class MySQLPacketHandler: WireReader, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private var reader: MySQLPacketReader
    let packets = AwaitedReplies<MySQLPacket, MySQLWireError>()
    private var nextSequence: UInt8 = 0
    /// The ends of pipelined answers still arriving, the current one first: after each answer's last
    /// packet the next answer's sequence starts again at 1 (its command was numbered from 0).
    private var pipelined: [MySQLAnswerEnd] = []
    /// The first bytes the peer sent (up to 64), for naming what answered when it is not MySQL.
    private(set) var firstBytes: [UInt8] = []
    private(set) var bytesReceived = 0

    init(maxPayload: Int) {
        reader = MySQLPacketReader(maxPayload: maxPayload, expectedSequence: 0)
    }

    var pendingFrame: (have: Int, announced: Int)? { reader.pendingFrame }

    func setMaxPayload(_ limit: Int) { reader.maxPayload = limit }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        feed(unwrapInboundIn(data))
    }

    /// Takes in bytes from the peer (from the pipeline, or kept aside when it closed before this handler was added).
    func feed(_ data: ByteBuffer) {
        var buffer = data
        guard packets.failure == nil else { return }
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        bytesReceived += bytes.count
        if firstBytes.count < 64 { firstBytes += bytes.prefix(64 - firstBytes.count) }
        reader.append(bytes)
        do {
            while let packet = try reader.next() {
                if !pipelined.isEmpty, pipelined[0].isLast(packet) {
                    pipelined.removeFirst()
                    if !pipelined.isEmpty { reader.expectedSequence = 1 }
                }
                packets.append(packet)
            }
        } catch {
            packets.fail(.framing(error))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        channelInactiveWithoutContext()
        context.fireChannelInactive()
    }

    /// The connection is gone (also called when it closed before this handler was added).
    func channelInactiveWithoutContext() {
        packets.fail(.closed(pending: reader.bufferedBytes > 0 ? reader.pendingFrame : nil))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        packets.fail(error is InboundByteLimitExceeded ? .byteLimit : .channel("\(error)"))
    }

    /// The frames of `payload`, numbered from the exchange's next sequence id (0 when `newCommand`).
    func frame(_ payload: [UInt8], newCommand: Bool) -> [UInt8] {
        if newCommand { nextSequence = 0 }
        let frames = MySQLFraming.frame(payload, sequence: &nextSequence)
        reader.expectedSequence = nextSequence
        return frames
    }

    /// Expects the answers of `count` commands sent in one write (``MySQLWire/pipeline(_:within:)``).
    func expectPipelined(_ count: Int) {
        pipelined = Array(repeating: MySQLAnswerEnd(), count: count)
    }

    /// After `packet` arrives, our next one continues its sequence.
    func continueSequence(after packet: MySQLPacket) {
        nextSequence = packet.nextSequence
    }
}

/// A MySQL connection's packet layer over an established channel.
struct MySQLWire: Sendable {
    let channel: any Channel
    private let handler: MySQLPacketHandler

    private init(channel: any Channel, handler: MySQLPacketHandler) {
        self.channel = channel
        self.handler = handler
    }

    /// Adds the packet reader to a connected channel (direct, or through the ping's tunnel).
    ///
    /// MySQL servers speak first, and one that refuses a client (error 1130, 1040) sends its error and
    /// closes at once, often before this runs: the dialer's `EarlyBytesBuffer` holds what arrived and is
    /// released here; when the channel already closed, its bytes are taken from `EarlyBytesLeftovers`.
    static func attach(to channel: any Channel, maxPayload: Int) async throws(ProbeFailure) -> MySQLWire {
        let handler = MySQLPacketHandler(maxPayload: maxPayload)
        try await channel.attach(handler)
        return MySQLWire(channel: channel, handler: handler)
    }

    /// The next packet, within `timeout`.
    func receive(within timeout: Duration) async throws(MySQLWireError) -> MySQLPacket {
        let handler = self.handler
        let loop = channel.eventLoop
        let packet = try await handler.packets.receive(
            within: timeout, on: loop, timedOut: .timedOut, busy: .channel("two reads at once"),
            other: { .channel("\($0)") })
        loop.execute { handler.continueSequence(after: packet) }
        return packet
    }

    /// Sends a command and waits for its whole answer: the packets up to and including the one `end`
    /// says is the last (a result set, an OK or an error), in one trip to the event loop instead of two
    /// per packet. The answer's last packet continues the sequence, as `receive` does.
    func request(_ payload: [UInt8], within timeout: Duration, end: MySQLAnswerEnd) async throws(MySQLWireError)
        -> [MySQLPacket]
    {
        try await exchange(within: timeout) { handler in
            var end = end
            return (handler.frame(payload, newCommand: true), { end.isLast($0) })
        }
    }

    /// Sends several commands in one write and waits for all their answers, which the server sends in
    /// order (it reads commands one after the other from the socket): one round trip instead of one per
    /// command. Each answer is split out as ``request(_:within:end:)`` would have returned it.
    func pipeline(_ payloads: [[UInt8]], within timeout: Duration) async throws(MySQLWireError) -> [[MySQLPacket]] {
        let count = payloads.count
        let packets = try await exchange(within: timeout) { handler in
            var frames: [UInt8] = []
            for payload in payloads { frames += handler.frame(payload, newCommand: true) }
            handler.expectPipelined(count)
            var ends = MySQLAnswerEnd.Series(count: count)
            return (frames, { ends.isLast($0) })
        }
        return MySQLAnswerEnd.split(packets, count: count)
    }

    /// On the event loop: `start` frames what to send and says which packet ends the answer; the frames
    /// go in one write, the packets up to that one are collected, and the last continues the sequence.
    private func exchange(
        within timeout: Duration,
        _ start: @escaping @Sendable (MySQLPacketHandler) -> (frames: [UInt8], isLast: (MySQLPacket) -> Bool)
    ) async throws(MySQLWireError) -> [MySQLPacket] {
        let handler = self.handler
        let channel = self.channel
        let loop = channel.eventLoop
        let promise = loop.makePromise(of: [MySQLPacket].self)
        let amount = TimeAmount.nanoseconds(Int64(max(timeout.milliseconds, 1) * 1_000_000))
        loop.execute {
            let (frames, isLast) = start(handler)
            channel.writeAndFlush(channel.allocator.buffer(bytes: frames)).whenFailure { error in
                handler.packets.fail(.channel("\(error)"))
            }
            handler.packets.collect(
                promise, timeout: amount, on: loop, timedOut: .timedOut, busy: .channel("two reads at once"),
                isLast: isLast)
            promise.futureResult.whenSuccess { packets in
                if let last = packets.last { handler.continueSequence(after: last) }
            }
        }
        do {
            return try await promise.futureResult.get()
        } catch let error as MySQLWireError {
            throw error
        } catch {
            throw .channel("\(error)")
        }
    }

    /// Sends one logical packet (split into frames when needed).
    func send(_ payload: [UInt8], newCommand: Bool = false) async throws(MySQLWireError) {
        let handler = self.handler
        let channel = self.channel
        do {
            try await channel.eventLoop.flatSubmit {
                let frames = handler.frame(payload, newCommand: newCommand)
                return channel.writeAndFlush(channel.allocator.buffer(bytes: frames))
            }.get()
        } catch {
            throw .channel("\(error)")
        }
    }

    func setMaxPayload(_ limit: Int) async {
        let handler = self.handler
        try? await channel.eventLoop.submit { handler.setMaxPayload(limit) }.get()
    }

    /// What the peer has sent so far, for messages about peers that are not MySQL.
    func received() async -> (firstBytes: [UInt8], total: Int, pending: (have: Int, announced: Int)?) {
        let handler = self.handler
        return
            (try? await channel.eventLoop.submit { (handler.firstBytes, handler.bytesReceived, handler.pendingFrame) }
            .get()) ?? ([], 0, nil)
    }

    /// COM_QUIT, then close (without waiting for the server).
    func quit() {
        let handler = self.handler
        let channel = self.channel
        channel.eventLoop.execute {
            let frames = handler.frame(MySQLClientMessages.quit, newCommand: true)
            channel.writeAndFlush(channel.allocator.buffer(bytes: frames)).whenComplete { _ in
                channel.close(promise: nil)
            }
        }
    }
}
