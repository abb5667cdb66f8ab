import PreflightCore
import PreflightNetwork

/// Builds probes for `oracle` connectors. See `OracleConfig` for the keys and the TLS rules.
public struct OracleProbeFactory: ProbeFactory {
    public init() {}

    public var types: Set<ConnectorType> { [.oracle] }

    public func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any Probe {
        OracleProbe(config: try OracleConfig(payload: payload))
    }
}
