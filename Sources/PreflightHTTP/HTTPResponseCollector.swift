import NIOCore
import NIOHTTP1

/// Why an exchange ended without a whole response.
package enum HTTPExchangeError: Error {
    /// The peer closed the connection; `partial` says whether some of a response had arrived.
    case closed(partial: Bool)
    /// The bytes were not an HTTP response.
    case notHTTP(firstBytes: [UInt8])
    /// The body passed the size limit.
    case tooLarge(limit: Int)
    /// A network error during the exchange.
    case failed(any Error)
}

/// Sits after the HTTP decoder and turns one response's parts into an `HTTPResponse`, with the body
/// capped. One exchange at a time: `expect` arms it before the request is written.
package final class HTTPResponseCollector: ChannelInboundHandler, RemovableChannelHandler {
    package typealias InboundIn = HTTPClientResponsePart

    private let bodyLimit: Int
    private var promise: EventLoopPromise<HTTPResponse>?
    private var head: HTTPResponseHead?
    private var body: [UInt8] = []
    private var firstBytes: FirstBytesRecorder?

    package init(bodyLimit: Int, firstBytes: FirstBytesRecorder) {
        self.bodyLimit = bodyLimit
        self.firstBytes = firstBytes
    }

    /// Arms the collector for the next response.
    package func expect(_ promise: EventLoopPromise<HTTPResponse>) {
        self.promise = promise
        head = nil
        body = []
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let received):
            // 1xx interim answers (100 Continue) are not the response.
            if received.status.code >= 100 && received.status.code < 200 && received.status.code != 101 { return }
            head = received
        case .body(var buffer):
            guard head != nil else { return }
            if body.count + buffer.readableBytes > bodyLimit {
                fail(.tooLarge(limit: bodyLimit))
                context.close(promise: nil)
                return
            }
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            guard let head else { return }
            let response = HTTPResponse(
                status: Int(head.status.code), reason: head.status.reasonPhrase,
                headers: head.headers.map { HTTPField($0.name, $0.value) }, body: body)
            self.head = nil
            body = []
            let promise = self.promise
            self.promise = nil
            promise?.succeed(response)
        }
    }

    package func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError || error is ByteToMessageDecoderError {
            fail(.notHTTP(firstBytes: firstBytes?.bytes ?? []))
        } else {
            fail(.failed(error))
        }
        context.close(promise: nil)
    }

    package func channelInactive(context: ChannelHandlerContext) {
        fail(.closed(partial: head != nil))
        context.fireChannelInactive()
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        fail(.closed(partial: head != nil))
    }

    private func fail(_ error: HTTPExchangeError) {
        let promise = self.promise
        self.promise = nil
        promise?.fail(error)
    }
}

/// Keeps the first bytes the peer sent (before the HTTP decoder), so that a peer that is not HTTP can
/// be named ("an SSH server", "a PostgreSQL server").
package final class FirstBytesRecorder: ChannelInboundHandler, RemovableChannelHandler {
    package typealias InboundIn = ByteBuffer
    package typealias InboundOut = ByteBuffer

    package init() {}

    package private(set) var bytes: [UInt8] = []
    private let keep = 64

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if bytes.count < keep {
            let buffer = unwrapInboundIn(data)
            bytes +=
                buffer.getBytes(at: buffer.readerIndex, length: min(keep - bytes.count, buffer.readableBytes)) ?? []
        }
        context.fireChannelRead(data)
    }
}
