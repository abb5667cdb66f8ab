import FuzzSupport

/// The MySQL login as a server drives it: the packets after the handshake response (OK, ERR, auth
/// switch, AuthMoreData with a fast-auth verdict or an RSA public key in PEM) fed to the authenticator.
/// The first input byte picks the plugin the greeting named, whether the connection is TLS and whether
/// there is a password; the rest is MySQL frames, as captured from a server.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzMySQLAuth(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzBytes(data, size)
    guard let seed = input.first else { return 0 }
    // client_ed25519 is left out: one signature (pure Swift field arithmetic) takes about 3 s in this
    // ASan debug build, which stalls the run; it parses nothing more than the auth switch that names it.
    guard !input.contains(subsequence: Array("ed25519".utf8)) else { return 0 }
    let plugins: [String?] = [
        MySQLAuthenticator.nativePassword, MySQLAuthenticator.cachingSHA2, MySQLAuthenticator.sha256,
        "mysql_old_password", MySQLAuthenticator.clearPassword, "dialog", nil, "",
    ]
    var authenticator = MySQLAuthenticator(
        password: seed & 0x10 == 0 ? "secret-pw" : nil, serverPlugin: plugins[Int(seed & 7)],
        nonce: Array(repeating: 0x41, count: 20), secure: seed & 8 != 0)
    guard case .success = authenticator.initialResponse() else { return 0 }
    var reader = MySQLPacketReader()
    reader.append(input.dropFirst())
    while let packet = try? reader.next() {
        switch authenticator.handle(packet.payload) {
        case .send, .wait: continue
        case .authenticated, .failed: return 0
        }
    }
    _ = authenticator.notes
    return 0
}

extension Array where Element == UInt8 {
    /// Whether `subsequence` occurs somewhere in the array.
    func contains(subsequence: [UInt8]) -> Bool {
        guard !subsequence.isEmpty, count >= subsequence.count else { return subsequence.isEmpty }
        return (0...(count - subsequence.count)).contains { start in
            self[start..<(start + subsequence.count)].elementsEqual(subsequence)
        }
    }
}

@_cdecl("FuzzMySQLAuth_main")
func fuzzMySQLAuthMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzMySQLAuth)
}
