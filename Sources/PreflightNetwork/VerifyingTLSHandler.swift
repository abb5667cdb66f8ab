import NIOSSL
import Synchronization
import X509

/// What the chain verifier found during a handshake, read when the handshake fails.
public final class VerificationProblem: Sendable {
    private let value = Mutex<String?>(nil)

    public init() {}

    public func set(_ text: String?) { value.withLock { $0 = text } }
    public func get() -> String? { value.withLock { $0 } }
}

extension ChainVerifier {
    /// A TLS client handler whose chain is checked by `problem(...)` against `roots` (not by BoringSSL):
    /// the handshake fails when a problem is found, and `problem` keeps it for the error that follows.
    /// `serverName` is sent as SNI unless it is an address.
    public static func clientHandler(
        context: NIOSSLContext, serverName: String, roots: CertificateStore, checkName: Bool,
        problem: VerificationProblem
    ) throws -> NIOSSLClientHandler {
        let sni = IPAddress(serverName) == nil ? serverName : nil
        return try NIOSSLClientHandler(context: context, serverHostname: sni) { presented, verdict in
            let der = presented.compactMap { try? $0.toDERBytes() }
            Task {
                let found = await ChainVerifier.problem(
                    presentedDER: der, roots: roots, serverName: serverName, checkName: checkName)
                problem.set(found)
                verdict.succeed(found == nil ? .certificateVerified : .failed)
            }
        }
    }
}
