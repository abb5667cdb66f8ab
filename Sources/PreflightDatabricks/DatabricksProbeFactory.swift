import PreflightCore
import PreflightNetwork

/// Builds probes for `databricks`: a personal access token or OAuth M2M, then the SQL warehouse's (or
/// cluster's) state and, when named, the Unity Catalog volume. See `DatabricksConfig` for the keys.
public struct DatabricksProbeFactory: ProbeFactory {
    public init() {}

    public var types: Set<ConnectorType> { [.databricks] }

    public func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any Probe {
        DatabricksProbe(config: try DatabricksConfig(payload: payload))
    }
}
