import FuzzSupport

/// DNS answers as a resolver sends them (the SRV/TXT lookups of mongodb+srv): decode, and re-encode
/// what decoded.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzDNS(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    guard let message = try? DNSMessage.decode(bytes) else { return 0 }
    _ = DNSMessage.describe(responseCode: bytes.count > 3 ? bytes[3] & 0x0f : 0)
    _ = try? message.encode()
    return 0
}

@_cdecl("FuzzDNS_main")
func fuzzDNSMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzDNS)
}
