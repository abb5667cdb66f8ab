import PreflightCore
import PreflightNetwork

/// Builds probes for `redis` connectors (Redis and compatible servers). See `RedisConfig` for the keys
/// and the TLS rules.
public struct RedisProbeFactory: ProbeFactory {
    public init() {}

    public var types: Set<ConnectorType> { [.redis] }

    public func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any Probe {
        RedisProbe(config: try RedisConfig(payload: payload))
    }
}
