import PreflightCore
import PreflightNetwork

/// Builds probes for `motherduck` connectors. See `MotherDuckConfig` for the keys and `MotherDuckProbe`
/// for the one API call a ping makes.
public struct MotherDuckProbeFactory: ProbeFactory {
    public init() {}

    public var types: Set<ConnectorType> { [.motherduck] }

    public func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any Probe {
        MotherDuckProbe(config: try MotherDuckConfig(payload: payload))
    }
}
