import PreflightCore

/// A way to reach a target other than dialling it directly (an SSH bastion). When a ping has one,
/// `ProbeContext.resolveAndConnect` hands the target to it, and every probe runs unchanged over the
/// channel it returns.
public protocol TunnelOpener: Sendable {
    /// Opens a byte stream to `host:port` as the tunnel's far end sees them, recording its own steps.
    func open(toHost host: String, port: Int, context: ProbeContext) async throws(ProbeFailure) -> DialResult
}
