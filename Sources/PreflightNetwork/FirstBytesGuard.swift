import NIOCore
import Synchronization

/// Raised when a peer's first bytes show it speaks another protocol.
public struct ProtocolMismatchDetected: Error, Sendable {
    public let peer: PeerProtocol
}

/// Remembers what the guard saw, for the probe to read after its client library fails.
public final class MismatchRecord: Sendable {
    private let value = Mutex<PeerProtocol?>(nil)
    public init() {}
    public var peer: PeerProtocol? { value.withLock { $0 } }
    func set(_ peer: PeerProtocol) { value.withLock { $0 = peer } }
}

/// Looks at the first bytes a peer sends; when `isExpected` rejects them it records what the peer
/// is (SSH, HTTP, MySQL, ...) and closes the connection, so the client library behind it fails fast
/// and the probe can say what answered. After the first read it passes everything through.
public final class FirstBytesGuard: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ByteBuffer

    private let isExpected: @Sendable (UInt8) -> Bool
    private let record: MismatchRecord
    private var checked = false

    public init(record: MismatchRecord, isExpected: @escaping @Sendable (UInt8) -> Bool) {
        self.record = record
        self.isExpected = isExpected
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !checked else { return context.fireChannelRead(data) }
        let buffer = unwrapInboundIn(data)
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return }
        checked = true
        if isExpected(first) {
            context.fireChannelRead(data)
        } else {
            let peer =
                ProtocolSniffer.identify(buffer.peekBytes)
                ?? .unknown(preview: ProtocolSniffer.preview(buffer.peekBytes))
            record.set(peer)
            context.fireErrorCaught(ProtocolMismatchDetected(peer: peer))
            context.close(promise: nil)
        }
    }
}
