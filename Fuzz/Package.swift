// swift-tools-version: 6.1
// libFuzzer targets for the decoders that read a peer's bytes. Not part of the main package's build:
// build and run them with `scripts/fuzz.sh` (see the README's "Fuzzing" section).
//
// Each target compiles the decoder's own source files (symlinks into ../Sources), so only our
// decoders are instrumented (ASan + libFuzzer coverage) and dependencies are built plainly; internal
// helpers are reachable without widening the main package's API.
import PackageDescription

/// Instrumentation for the code under test: coverage for libFuzzer, AddressSanitizer for memory errors.
let instrumented: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .unsafeFlags(["-parse-as-library", "-sanitize=fuzzer,address"]),
]
/// Links libFuzzer's runtime. lld, because gold fails on SwiftPM's `--defsym main=<Target>_main`.
let fuzzerLink: [LinkerSetting] = [.unsafeFlags(["-sanitize=fuzzer,address", "-use-ld=lld"])]

/// One libFuzzer executable: `Sources/<name>/` holds its entry file and symlinks to the decoders.
func fuzzer(_ name: String, _ dependencies: [Target.Dependency] = []) -> Target {
    .executableTarget(
        name: name, dependencies: ["FuzzSupport"] + dependencies, swiftSettings: instrumented,
        linkerSettings: fuzzerLink)
}

let package = Package(
    name: "preflight-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssh.git", from: "0.15.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    ],
    targets: [
        .target(name: "FuzzSupport", swiftSettings: [.swiftLanguageMode(.v6)]),
        // The main package's PreflightCore (a symlink): JSONValue, PeerText, InvalidConfig.
        .target(name: "PreflightCore", swiftSettings: instrumented),
        fuzzer("FuzzMySQLPackets"),
        fuzzer(
            "FuzzMySQLAuth",
            [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]),
        fuzzer("FuzzMongoWire"),
        fuzzer("FuzzDNS"),
        fuzzer("FuzzRESP"),
        fuzzer("FuzzJSON", ["PreflightCore"]),
        fuzzer(
            "FuzzSniffer",
            [.product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio")]),
        fuzzer(
            "FuzzHTTPResponse",
            [
                "PreflightCore", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ]),
        fuzzer(
            "FuzzSSHKeys",
            [
                "PreflightCore", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
            ]),
    ]
)
