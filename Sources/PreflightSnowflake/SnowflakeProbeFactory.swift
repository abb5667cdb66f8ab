import PreflightCore
import PreflightNetwork

/// Builds probes for `snowflake`: key-pair (SQL API) or password (session API) sign-in, then proves
/// the role can use the warehouse. See `SnowflakeConfig` for the keys.
public struct SnowflakeProbeFactory: ProbeFactory {
    public init() {}

    public var types: Set<ConnectorType> { [.snowflake] }

    public func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any Probe {
        SnowflakeProbe(config: try SnowflakeConfig(payload: payload))
    }
}
