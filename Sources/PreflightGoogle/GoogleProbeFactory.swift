import PreflightCore
import PreflightNetwork

/// Builds probes for Google Cloud destinations: `bigquery` and `gcs`. See `GoogleConfig` for the keys.
public struct GoogleProbeFactory: ProbeFactory {
    public init() {}

    public var types: Set<ConnectorType> { [.bigquery, .gcs] }

    public func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any Probe {
        GoogleProbe(config: try GoogleConfig(payload: payload))
    }
}
