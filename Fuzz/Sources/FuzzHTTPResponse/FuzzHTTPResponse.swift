import FuzzSupport
import NIOCore
import NIOEmbedded
import NIOHTTP1
import PreflightCore

/// An HTTP/1.1 server's answer, through the same pipeline HTTPClient builds (first-bytes recorder,
/// NIO's request encoder and response decoder, Preflight's response collector), then what probes read
/// from a response (headers, JSON body, redacted preview). The first input byte picks the request
/// method (HEAD or GET), the body limit and how the rest is split into socket reads.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzHTTPResponse(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzBytes(data, size)
    guard let seed = input.first else { return 0 }
    let recorder = FirstBytesRecorder()
    let collector = HTTPResponseCollector(bodyLimit: seed & 1 == 0 ? 1 << 20 : 32, firstBytes: recorder)
    let channel = EmbeddedChannel()
    do {
        try channel.pipeline.syncOperations.addHandler(recorder)
        try channel.pipeline.syncOperations.addHandler(HTTPRequestEncoder())
        try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(HTTPResponseDecoder(leftOverBytesStrategy: .dropBytes)))
        try channel.pipeline.syncOperations.addHandler(collector)
    } catch {
        fuzzFailure("the pipeline could not be built: \(error)")
    }
    // An EmbeddedChannel is inactive until connected; the handlers close it on a mismatch.
    guard (try? channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5432)).wait()) != nil else {
        fuzzFailure("the embedded channel did not connect")
    }
    let promise = channel.eventLoop.makePromise(of: HTTPResponse.self)
    collector.expect(promise)
    var response: HTTPResponse?
    promise.futureResult.whenComplete { result in response = try? result.get() }
    var head = HTTPRequestHead(version: .http1_1, method: seed & 2 == 0 ? .GET : .HEAD, uri: "/")
    head.headers.add(name: "Host", value: "localhost")
    _ = try? channel.writeOutbound(HTTPClientRequestPart.head(head))
    _ = try? channel.writeOutbound(HTTPClientRequestPart.end(nil))
    for piece in chunks(Array(input.dropFirst()), seed: seed >> 2) {
        guard channel.isActive else { break }
        var buffer = channel.allocator.buffer(capacity: piece.count)
        buffer.writeBytes(piece)
        _ = try? channel.writeInbound(buffer)
    }
    // A handler that closed the channel left an error behind; finish would throw it before tearing
    // the pipeline down, leaking the channel (and, over a long run, the fuzzer's memory).
    _ = try? channel.throwIfErrorCaught()
    _ = try? channel.finish(acceptAlreadyClosed: true)
    channel.embeddedEventLoop.run()
    if let response {
        _ = response.header("Content-Type")
        _ = response.json()
        _ = response.preview(120, redactor: Redactor(secrets: ["hunter2"]))
    }
    return 0
}

@_cdecl("FuzzHTTPResponse_main")
func fuzzHTTPResponseMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzHTTPResponse)
}
