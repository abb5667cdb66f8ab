import PreflightCore
import PreflightNetwork

/// Builds probes for the PostgreSQL wire family: postgresql, cockroach, redshift.
public struct PostgresProbeFactory: ProbeFactory {
    public init() {}

    public var types: Set<ConnectorType> { [.postgresql, .cockroach, .redshift] }

    public func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any Probe {
        PostgresProbe(config: try PostgresConfig(payload: payload))
    }
}
