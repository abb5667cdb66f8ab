import FuzzSupport
import PreflightCore

/// The JSON and XML bodies of HTTP services: JSONValue.parse (every JSON answer), the strict syntax
/// checker behind key-file messages, AWS error bodies (XML or JSON) and Snowflake error answers.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let parsed = JSONValue.parse(bytes)
    let problem = JSONSyntax.firstProblem(in: bytes)
    _ = problem?.description
    if let parsed {
        _ = SnowflakeError.from(parsed)
        _ = parsed.encodedBytes()
    }
    _ = AWSServiceError.parse(status: 400, body: bytes)?.description
    _ = AWSServiceError.parse(status: 403, body: bytes, errorTypeHeader: "AccessDenied:x")
    return 0
}

@_cdecl("FuzzJSON_main")
func fuzzJSONMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzJSON)
}
