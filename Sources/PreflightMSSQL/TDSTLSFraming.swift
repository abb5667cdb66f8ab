import NIOCore

/// Carries TLS inside TDS during the handshake, as TDS 7.x requires: below the TLS handler, it wraps
/// each outbound TLS flight in PRELOGIN packets (type 0x12) and unwraps inbound packets' payloads for
/// the TLS handler. Once the handshake is over (`passThrough()`), TLS records flow bare. Used by the
/// probe (client) and the scripted peer (server). Only touched on its channel's event loop.
final class TDSTLSFraming: ChannelDuplexHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var wrapping = true
    private var pending: [UInt8] = []
    private var packetID: UInt8 = 1

    init() {}

    /// From now on, bytes pass unchanged both ways.
    func passThrough() { wrapping = false }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard wrapping else {
            context.fireChannelRead(data)
            return
        }
        pending += buffer.readBytes(length: buffer.readableBytes) ?? []
        var out: [UInt8] = []
        while pending.count >= TDSFraming.headerLength {
            let type = pending[0]
            let length = Int(pending[2]) << 8 | Int(pending[3])
            guard type == TDSPacketType.prelogin || type == TDSPacketType.tabularResult,
                length > TDSFraming.headerLength, length <= TDSFraming.maxPacketSize
            else {
                // Not TDS-wrapped TLS: hand the bytes over as they are, the TLS handler will name the failure.
                out += pending
                pending = []
                break
            }
            guard pending.count >= length else { break }
            out += pending[TDSFraming.headerLength..<length]
            pending.removeFirst(length)
        }
        if !out.isEmpty { context.fireChannelRead(wrapInboundOut(context.channel.allocator.buffer(bytes: out))) }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard wrapping else {
            context.write(data, promise: promise)
            return
        }
        var buffer = unwrapOutboundIn(data)
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        guard !bytes.isEmpty else {
            context.write(data, promise: promise)
            return
        }
        let packets = TDSFraming.packets(type: TDSPacketType.prelogin, payload: bytes, packetID: &packetID)
        context.write(wrapOutboundOut(context.channel.allocator.buffer(bytes: packets)), promise: promise)
    }
}
