import FuzzSupport
import NIOCore
import NIOEmbedded

/// A peer's first bytes: what the protocol sniffer names (used when a PostgreSQL server's answer to
/// the SSLRequest, or any probe's first read, is not what was expected), and the FirstBytesGuard
/// handler fed the same bytes in socket-sized reads.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzSniffer(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzBytes(data, size)
    _ = ProtocolSniffer.identify(input)
    _ = ProtocolSniffer.preview(input)
    guard let seed = input.first else { return 0 }
    let record = MismatchRecord()
    let channel = EmbeddedChannel(
        handler: FirstBytesGuard(record: record) { byte in byte == UInt8(ascii: "S") || byte == UInt8(ascii: "N") })
    // An EmbeddedChannel is inactive until connected; the handlers close it on a mismatch.
    guard (try? channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 5432)).wait()) != nil else {
        fuzzFailure("the embedded channel did not connect")
    }
    for piece in chunks(Array(input.dropFirst()), seed: seed) {
        guard channel.isActive else { break }
        var buffer = channel.allocator.buffer(capacity: piece.count)
        buffer.writeBytes(piece)
        _ = try? channel.writeInbound(buffer)
    }
    _ = record.peer
    // A handler that closed the channel left an error behind; finish would throw it before tearing
    // the pipeline down, leaking the channel (and, over a long run, the fuzzer's memory).
    _ = try? channel.throwIfErrorCaught()
    _ = try? channel.finish(acceptAlreadyClosed: true)
    channel.embeddedEventLoop.run()
    return 0
}

@_cdecl("FuzzSniffer_main")
func fuzzSnifferMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzSniffer)
}
