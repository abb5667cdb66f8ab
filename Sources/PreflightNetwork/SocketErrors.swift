import NIOCore
import PreflightCore

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

/// The failure for a connection that broke after it was made: a reset is the server hanging up on us
/// (at its connection limit, restarting, or not the server expected), said in words and transient;
/// anything else is named by its kind, never as raw errno text.
public func brokenConnection(_ error: any Error, server: String, while activity: String) -> ProbeFailure {
    if isPeerReset(error) {
        return ProbeFailure(
            .serverUnavailable, "\(server) reset the connection while \(activity)",
            hint:
                "the server hung up on us: it may be at its connection limit, restarting, or not the server expected on this port",
            transient: true)
    }
    if let io = error as? IOError {
        return ProbeFailure(
            .unreachable,
            "the connection to \(server) broke while \(activity): \(String(cString: strerror(io.errnoCode)))",
            transient: true)
    }
    return ProbeFailure(
        .unreachable, "the connection to \(server) broke while \(activity) (\(type(of: error)))", transient: true)
}
