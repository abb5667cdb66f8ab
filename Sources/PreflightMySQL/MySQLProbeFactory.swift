import PreflightCore
import PreflightNetwork

/// Builds probes for the MySQL wire family: mysql (MySQL, MariaDB, Aurora, ...) and planetscale.
/// See `MySQLConfig` for the keys and the TLS defaults.
public struct MySQLProbeFactory: ProbeFactory {
    public init() {}

    public var types: Set<ConnectorType> { [.mysql, .planetscale] }

    public func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any Probe {
        MySQLProbe(
            config: try MySQLConfig(payload: payload), isDestination: payload.isDestination,
            writeTest: try payload.sharedConfig.bool("writeTest") ?? false)
    }
}
