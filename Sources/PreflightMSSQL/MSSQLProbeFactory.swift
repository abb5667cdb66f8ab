import PreflightCore
import PreflightNetwork

/// Builds probes for `mssql` (SQL Server, Azure SQL, RDS for SQL Server). See `MSSQLConfig` for the keys.
public struct MSSQLProbeFactory: ProbeFactory {
    public init() {}

    public var types: Set<ConnectorType> { [.mssql] }

    public func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any Probe {
        MSSQLProbe(config: try MSSQLConfig(payload: payload), isDestination: payload.isDestination)
    }
}
