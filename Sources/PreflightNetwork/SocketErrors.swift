import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whether `error` is the socket reporting that the peer hung up: it reset the connection
/// (`ECONNRESET`) or was gone when we wrote (`EPIPE`). Many servers hang up this way (a TLS port
/// reading plaintext, a server refusing a client), so the wire readers treat it as a close rather
/// than as a failed connection. Any other error, or nil, is not.
public func isPeerReset(_ error: (any Error)?) -> Bool {
    guard let io = error as? IOError else { return false }
    return io.errnoCode == ECONNRESET || io.errnoCode == EPIPE
}
