import Foundation
import PreflightCore
import PreflightNetwork

/// Builds probes for the AWS-family types: s3, delta (Delta Lake tables in S3: the s3 probe), dynamodb and
/// iceberg (S3 Tables or an Iceberg REST catalog). See `AWSConfig` for the keys.
public struct AWSProbeFactory: ProbeFactory {
    /// This service's own AWS identity, when its operator lends it (nil by default).
    let ambient: AWSAmbientIdentity?

    /// A factory that lends no identity of this service's: a payload brings its own keys.
    public init() { ambient = nil }

    /// A factory that lends `ambient` (this service's identity) to assume a connector's role that comes
    /// without keys; an operator's choice (`serve --aws-ambient-credentials`), never a default.
    public init(lending ambient: AWSAmbientIdentity?) { self.ambient = ambient }

    public var types: Set<ConnectorType> { [.s3, .delta, .dynamodb, .iceberg] }

    public func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any Probe {
        let config = try AWSConfig(payload: payload)
        if let auth = config.auth, auth.roleARN != nil, auth.credentials == nil {
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
        return AWSProbe(config: config, ambient: ambient)
    }
}
