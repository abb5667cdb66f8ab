import Foundation
import FuzzSupport

/// Key files a user gives (and an `authorized_keys` line): OpenSSH private keys, PEM RSA private keys.
/// The first input byte picks the form: the rest as the whole text, or the rest as the binary inside an
/// OpenSSH or PEM armour (so the fuzzer works on the length-prefixed fields, not on base64).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzSSHKeys(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzBytes(data, size)
    guard let mode = input.first else { return 0 }
    let rest = Data(input.dropFirst())
    let text: String
    switch mode % 4 {
    case 0: text = String(decoding: rest, as: UTF8.self)
    case 1:
        text =
            "-----BEGIN OPENSSH PRIVATE KEY-----\n\(rest.base64EncodedString(options: .lineLength64Characters))\n"
            + "-----END OPENSSH PRIVATE KEY-----\n"
    case 2:
        text =
            "-----BEGIN PRIVATE KEY-----\n\(rest.base64EncodedString(options: .lineLength64Characters))\n"
            + "-----END PRIVATE KEY-----\n"
    default:
        text = "ssh-ed25519 \(rest.base64EncodedString()) comment"
    }
    _ = try? OpenSSHPrivateKeyFile.parse(text)
    _ = try? RSAPrivateKeyPEM.parse(text, field: "privateKey")
    _ = SSHFingerprint.sha256(openSSH: text)
    return 0
}

@_cdecl("FuzzSSHKeys_main")
func fuzzSSHKeysMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzSSHKeys)
}
