import FuzzSupport

/// RESP2/RESP3 replies as a Redis peer sends them: every value in the input, then what the probe reads
/// from a HELLO map and an INFO text.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzRESP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    var start = 0
    while start < bytes.count {
        let decoded: (value: RESPValue, next: Int)?
        do {
            decoded = try RESPDecoder.decode(bytes, from: start)
        } catch {
            _ = error.description
            break
        }
        guard let (value, next) = decoded else { break }
        guard next > start, next <= bytes.count else { fuzzFailure("RESP decode went from \(start) to \(next)") }
        _ = RedisServerInfo.fromHello(value)
        start = next
    }
    // Small limits reach the limit checks with small inputs.
    _ = try? RESPDecoder.decode(
        bytes, limits: RESPLimits(maxBulkLength: 16, maxAggregateCount: 4, maxDepth: 2, maxLineLength: 8))
    _ = RedisServerInfo.fromInfo(String(decoding: bytes, as: UTF8.self))
    return 0
}

@_cdecl("FuzzRESP_main")
func fuzzRESPMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzRESP)
}
