import NIOCore
import PreflightCore
import PreflightNetwork

/// Why reading TNS packets stopped.
enum OracleWireError: Error, Sendable {
    /// The peer closed the connection; `buffered` bytes of an unfinished packet had arrived.
    case closed(buffered: Int)
    case timedOut
    /// The bytes are not TNS packets.
    case framing(TNSFramingError)
    /// The peer sent more than a ping may read.
    case byteLimit
    case channel(String)
}

/// Cuts inbound bytes into TNS packets for one waiting reader. Only touched on its channel's event loop.
final class TNSPacketReader: WireReader, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    /// More unread packets than this is a flood, not answers.
    static let maxQueued = 16

    private var framer = TNSFramer()
    let packets = AwaitedReplies<TNSPacket, OracleWireError>()
    /// The first bytes the peer sent (up to 64), for naming what answered when it is not a listener.
    private(set) var firstBytes: [UInt8] = []
    private(set) var bytesReceived = 0

    var bufferedBytes: Int { framer.buffered }

    /// After ACCEPT: 32-bit lengths from protocol version 315 on, and packets up to the SDU agreed.
    func useSessionFraming(largeLength: Bool, sdu: Int) {
        framer.largeLength = largeLength
        framer.limit = min(max(sdu, 8192), 1 << 20) + TNSPacket.headerSize
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        feed(unwrapInboundIn(data))
    }

    func feed(_ data: ByteBuffer) {
        guard packets.failure == nil else { return }
        var data = data
        let bytes = data.readBytes(length: data.readableBytes) ?? []
        bytesReceived += bytes.count
        if firstBytes.count < 64 { firstBytes += bytes.prefix(64 - firstBytes.count) }
        framer.feed(bytes)
        do {
            while let packet = try framer.next() {
                guard packets.count < Self.maxQueued else {
                    packets.fail(.byteLimit)
                    return
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

    func channelInactiveWithoutContext() {
        packets.fail(.closed(buffered: framer.buffered))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is InboundByteLimitExceeded {
            packets.fail(.byteLimit)
        } else if isPeerReset(error) {
            packets.fail(.closed(buffered: framer.buffered))
        } else {
            packets.fail(.channel("\(error)"))
        }
    }
}

/// One connection to a listener: send packets, read packets.
struct OracleWire: Sendable {
    let channel: any Channel
    private let reader: TNSPacketReader

    /// Adds the packet reader at the end of the pipeline (after TLS for TCPS) and lets through what
    /// arrived before it.
    static func attach(to channel: any Channel) async throws(ProbeFailure) -> OracleWire {
        let reader = TNSPacketReader()
        try await channel.attach(reader)
        return OracleWire(channel: channel, reader: reader)
    }

    /// After the listener's ACCEPT: packets framed as the session is (see `TNSPacketReader`).
    func accepted(_ accept: TNSAccept) async {
        let reader = self.reader
        let large = accept.version >= 315
        try? await channel.eventLoop.submit { reader.useSessionFraming(largeLength: large, sdu: Int(accept.sdu)) }.get()
    }

    /// `largeLength`: 32-bit packet lengths (after an ACCEPT of version 315 or later).
    func send(_ packets: [TNSPacket], largeLength: Bool = false) async throws(OracleWireError) {
        let channel = self.channel
        let bytes = packets.flatMap { $0.encoded(largeLength: largeLength) }
        do {
            try await channel.eventLoop.flatSubmit {
                channel.writeAndFlush(channel.allocator.buffer(bytes: bytes))
            }.get()
        } catch {
            if !channel.isActive { throw .closed(buffered: 0) }
            throw .channel("\(error)")
        }
    }

    func receive(within timeout: Duration) async throws(OracleWireError) -> TNSPacket {
        try await reader.packets.receive(
            within: timeout, on: channel.eventLoop, timedOut: .timedOut, busy: .channel("two reads at once"),
            other: { .channel("\($0)") })
    }

    /// What the peer has sent so far.
    func received() async -> (firstBytes: [UInt8], total: Int, buffered: Int) {
        let reader = self.reader
        return
            (try? await channel.eventLoop.submit { (reader.firstBytes, reader.bytesReceived, reader.bufferedBytes) }
            .get()) ?? ([], 0, 0)
    }

    func close() {
        channel.close(promise: nil)
    }
}
