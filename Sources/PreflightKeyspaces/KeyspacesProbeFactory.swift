import PreflightAWS
import PreflightCore
import PreflightNetwork

/// Builds probes for `keyspaces` connectors (Amazon Keyspaces, CQL over TLS). See `KeyspacesConfig`.
public struct KeyspacesProbeFactory: ProbeFactory {
    let ambient: AWSAmbientIdentity?

    /// A factory that lends no identity of this service's.
    public init() { ambient = nil }

    /// A factory that lends `ambient` to assume a role given without keys (the operator's choice).
    public init(lending ambient: AWSAmbientIdentity?) { self.ambient = ambient }

    public var types: Set<ConnectorType> { [.keyspaces] }

    public func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any Probe {
        let config = try KeyspacesConfig(payload: payload)
        if case .sigV4(let auth) = config.login, auth.roleARN != nil, auth.credentials == nil {
            guard ambient != nil else {
                throw InvalidConfig(
                    "sharedConfig.awsRoleARN needs awsAccessKeyID and awsSecretAccessKey of a user allowed to assume it: this service does not lend its own AWS identity"
                )
            }
            guard auth.externalID != nil else {
                throw InvalidConfig(
                    "sharedConfig.awsExternalID is required when the role is assumed with this service's own AWS identity (the role's trust policy must require it)"
                )
            }
        }
        return KeyspacesProbe(config: config, ambient: ambient)
    }
}
