import PreflightCore
import PreflightNetwork

/// Builds the "probe" of an `api` source: Artie's Events API, where the customer's applications push
/// events to Artie. Nothing is dialled, so a ping can only check that the configuration says nothing
/// it should not, and say so plainly (see `EventsAPIProbe`).
public struct EventsAPIProbeFactory: ProbeFactory {
    public init() {}

    public var types: Set<ConnectorType> { [.api] }

    /// Refuses what cannot apply to a source nobody connects to: a non-empty `sharedConfig` key (its
    /// clients send every key of every type with empty values, which are ignored) and an SSH tunnel.
    public func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any Probe {
        let used = payload.sharedConfig.values.filter { !Self.isEmpty($0.value) }.keys.sorted()
        if !used.isEmpty {
            let names = used.prefix(5).map { "sharedConfig.\($0)" }.joined(separator: ", ")
            throw InvalidConfig(
                "\(names) \(used.count == 1 ? "is" : "are") not used by api: an API source has nothing to connect to (your applications push events to Artie's Events API); remove \(used.count == 1 ? "it" : "them")"
            )
        }
        if payload.sshTunnelUUID != nil {
            throw InvalidConfig(
                "sshTunnelUUID is not used by api: an API source has nothing to connect to, through a tunnel or otherwise"
            )
        }
        return EventsAPIProbe()
    }

    /// Null, an empty or blank string, 0, false, and empty lists and objects: the zero values Artie's
    /// Terraform provider sends for keys of other types.
    static func isEmpty(_ value: JSONValue) -> Bool {
        switch value {
        case .null: true
        case .string(let text): text.allSatisfy(\.isWhitespace)
        case .number(let number): number == 0
        case .bool(let flag): !flag
        case .array(let items): items.isEmpty
        case .object(let fields): fields.isEmpty
        }
    }
}
