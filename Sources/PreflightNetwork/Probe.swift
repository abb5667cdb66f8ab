import PreflightCore

/// A ready-to-run ping for one connector type, built from a validated payload.
public protocol Probe: Sendable {
    /// The host and port the ping aims at, for the report when it fails before resolving.
    var target: PingTarget { get }
    /// Runs every step, recording into `context.trace`; throws the failure that ends the ping.
    /// Readiness checks that fail are recorded as checks, and the probe throws `cdc_not_ready`
    /// for them only when `context.isSource`.
    func run(in context: ProbeContext) async throws(ProbeFailure)
}

/// Builds probes for the connector types it knows.
public protocol ProbeFactory: Sendable {
    /// The types this factory can probe.
    var types: Set<ConnectorType> { get }
    /// Each type's `sharedConfig` keys, described once (the README, `GET /connector-types` and the checks
    /// that keep them in step read these).
    var descriptions: [ConnectorDescription] { get }
    /// Validates the payload's config for `payload.type`; throws `InvalidConfig` (a 400) when it is wrong.
    func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any Probe
}

extension ProbeFactory {
    /// No description: for factories made in tests. Every built-in factory describes its types (a
    /// registry test checks it).
    public var descriptions: [ConnectorDescription] { [] }
}
