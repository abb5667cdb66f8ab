import PreflightCore
import PreflightNetwork

/// Builds probes for the PostgreSQL wire family: postgresql, cockroach, redshift.
public struct PostgresProbeFactory: ProbeFactory {
    public init() {}

    public var types: Set<ConnectorType> { [.postgresql, .cockroach, .redshift] }

    public func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any Probe {
        let config = try PostgresConfig(payload: payload)
        let destination = try PostgresDestination(payload: payload)
        return PostgresProbe(
            config: config, destination: payload.isDestination ? destination : nil,
            writeTestIgnored: !payload.isDestination && destination.writeTest)
    }
}
