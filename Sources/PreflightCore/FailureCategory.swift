/// The stable vocabulary of why a ping failed. Clients may switch on these strings; never rename one.
public enum FailureCategory: String, Sendable, Codable, CaseIterable {
    /// The configuration itself is wrong (a key missing or malformed); nothing was attempted.
    case invalidConfig = "invalid_config"
    /// The host name did not resolve.
    case dns
    /// The egress policy forbids the address the host resolved to.
    case egressDenied = "egress_denied"
    /// The host answered but nothing listens on the port (TCP reset).
    case refused
    /// A step did not finish within its time (the peer went silent).
    case timeout
    /// The network could not reach the host (no route, host down).
    case unreachable
    /// The SSH bastion failed (connect, host key, auth, channel).
    case ssh
    /// TLS failed or was required and not offered.
    case tls
    /// Something answered, but it speaks another protocol.
    case protocolMismatch = "protocol_mismatch"
    /// The server rejected the credentials.
    case auth
    /// The credentials work but the database does not exist.
    case databaseNotFound = "database_not_found"
    /// The credentials work but lack a privilege the ping needs, or, as a destination, the user or the
    /// server cannot write what the pipeline writes (failed destination readiness checks).
    case permission
    /// Connected and authenticated, but the server is not ready for change data capture.
    case cdcNotReady = "cdc_not_ready"
    /// The server is starting up, shutting down or out of connections.
    case serverUnavailable = "server_unavailable"
    /// The connector type is known but this service cannot probe it yet.
    case unsupported
    /// A fault inside Preflight itself.
    case internalError = "internal"
    /// The ping names a data plane (or the company's default one) with no agent online to run it, or
    /// whose agent did not answer by the ping's deadline.
    case dataPlaneUnavailable = "data_plane_unavailable"

    /// Whether trying again later, unchanged, may well succeed.
    public var isTransient: Bool {
        switch self {
        case .timeout, .unreachable, .serverUnavailable, .refused, .internalError, .dataPlaneUnavailable: true
        default: false
        }
    }

    /// libpq's coarse outcome: did we reach the server at all?
    public var reachedServer: Bool {
        switch self {
        case .auth, .databaseNotFound, .permission, .cdcNotReady, .serverUnavailable, .tls, .protocolMismatch,
            .unsupported:
            true
        default: false
        }
    }
}
