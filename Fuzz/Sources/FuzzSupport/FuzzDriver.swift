/// libFuzzer's driver, linked in by `-sanitize=fuzzer` (compiler-rt's `LLVMFuzzerRunDriver`).
@_silgen_name("LLVMFuzzerRunDriver")
func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The signature of `LLVMFuzzerTestOneInput`.
public typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// Runs libFuzzer with the process's arguments.
///
/// SwiftPM links an executable target with `--defsym main=<Target>_main`, so each fuzz target defines
/// `@_cdecl("<Target>_main")` and calls this; libFuzzer's own `main` is then never used.
public func runFuzzer(
    _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ callback: FuzzCallback
) -> CInt {
    var count = argc
    var arguments = argv
    return llvmFuzzerRunDriver(&count, &arguments, callback)
}

/// The input as an array (an empty input may come with a null pointer).
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Splits `bytes` into pieces whose sizes come from `seed`, to feed a streaming decoder the way a
/// socket would (one byte, a few, everything at once).
public func chunks(_ bytes: [UInt8], seed: UInt8) -> [ArraySlice<UInt8>] {
    guard seed != 0 else { return [bytes[...]] }
    var out: [ArraySlice<UInt8>] = []
    var index = 0
    var step = Int(seed % 17) + 1
    while index < bytes.count {
        let end = min(bytes.count, index + step)
        out.append(bytes[index..<end])
        index = end
        step = (step * 5 + Int(seed)) % 29 + 1
    }
    return out
}

/// Stops the run: a property the decoder promises does not hold (libFuzzer records the input).
public func fuzzFailure(_ message: String) -> Never {
    fatalError("fuzz property violated: \(message)")
}
