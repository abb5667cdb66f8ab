import PreflightCore
import PreflightNetwork

/// Builds probes for `clickhouse` connectors (self-hosted ClickHouse and ClickHouse Cloud, over the
/// HTTP interface). See `ClickHouseConfig` for the keys and the port mapping.
public struct ClickHouseProbeFactory: ProbeFactory {
    public init() {}

    public var types: Set<ConnectorType> { [.clickhouse] }

    public func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any Probe {
        ClickHouseProbe(config: try ClickHouseConfig(payload: payload))
    }
}
