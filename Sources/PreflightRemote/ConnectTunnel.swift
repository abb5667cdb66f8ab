import NIOCore

/// The HTTP CONNECT exchange with a proxy: asks for a tunnel to `authority` and waits for a 2xx answer,
/// then leaves the pipeline, so that what follows (TLS) runs through the tunnel.
final class ConnectTunnelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    /// The largest proxy answer head read.
    static let headLimit = 16 * 1024

    private let request: [UInt8]
    private let promise: EventLoopPromise<Void>
    private var received: [UInt8] = []
    private var finished = false

    /// `authority` is host:port (an IPv6 host in brackets).
    init(authority: String, authorization: String?, promise: EventLoopPromise<Void>) {
        var text = "CONNECT \(authority) HTTP/1.1\r\nHost: \(authority)\r\n"
        if let authorization { text += "Proxy-Authorization: \(authorization)\r\n" }
        text += "\r\n"
        self.request = Array(text.utf8)
        self.promise = promise
    }

    func handlerAdded(context: ChannelHandlerContext) {
        context.writeAndFlush(NIOAny(context.channel.allocator.buffer(bytes: request)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finished else { return }
        var buffer = unwrapInboundIn(data)
        received += buffer.readBytes(length: buffer.readableBytes) ?? []
        guard let end = Self.headEnd(received) else {
            if received.count > Self.headLimit {
                finish(.failure(RemoteHTTPError.badAnswer("the proxy's answer to CONNECT is not HTTP")))
                context.close(promise: nil)
            }
            return
        }
        let status = Self.statusLine(received)
        guard let code = Self.statusCode(status) else {
            finish(.failure(RemoteHTTPError.badAnswer("the proxy's answer to CONNECT is not HTTP")))
            context.close(promise: nil)
            return
        }
        guard (200..<300).contains(code) else {
            finish(.failure(RemoteHTTPError.proxyRefused(status)))
            context.close(promise: nil)
            return
        }
        // A server behind a tunnel waits for the client's TLS hello: bytes past the head are not its.
        guard end == received.count else {
            finish(.failure(RemoteHTTPError.badAnswer("the proxy sent data after accepting the tunnel")))
            context.close(promise: nil)
            return
        }
        finished = true
        context.pipeline.syncOperations.removeHandler(context: context).cascade(to: promise)
    }

    private func finish(_ result: Result<Void, RemoteHTTPError>) {
        guard !finished else { return }
        finished = true
        promise.completeWith(result.mapError { $0 as any Error })
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(RemoteHTTPError.connect("the proxy closed the connection during CONNECT", viaProxy: true)))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(RemoteHTTPError.connect("\(error)", viaProxy: true)))
        context.close(promise: nil)
    }

    /// The index just past the head's blank line, when it has arrived.
    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 3..<bytes.count
        where bytes[index] == 0x0A && bytes[index - 1] == 0x0D && bytes[index - 2] == 0x0A && bytes[index - 3] == 0x0D {
            return index + 1
        }
        return nil
    }

    /// The first line, printable ASCII only, at most 200 characters.
    static func statusLine(_ bytes: [UInt8]) -> String {
        let line = bytes.prefix { $0 != 0x0D && $0 != 0x0A }.prefix(200)
        return String(decoding: line.map { (0x20...0x7E).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }

    /// The status code of `HTTP/1.x NNN ...`.
    static func statusCode(_ line: String) -> Int? {
        let parts = line.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), parts[1].count == 3 else { return nil }
        return Int(parts[1])
    }
}
