import Foundation
import PreflightCore
import PreflightNetwork

/// Builds probes for the AWS-family types: s3, dynamodb and iceberg (S3 Tables or an Iceberg REST
/// catalog). See `AWSConfig` for the keys.
public struct AWSProbeFactory: ProbeFactory {
    /// This service's own AWS credentials, used only to assume a connector's role when it gives no keys.
    let ambientCredentials: AWSCredentials?

    /// Reads this service's own credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
    /// `AWS_SESSION_TOKEN` in `environment` (the process's, by default).
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        if let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty,
            let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty
        {
            let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            ambientCredentials = AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token)
        } else {
            ambientCredentials = nil
        }
    }

    public var types: Set<ConnectorType> { [.s3, .dynamodb, .iceberg] }

    public func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any Probe {
        AWSProbe(config: try AWSConfig(payload: payload), ambientCredentials: ambientCredentials)
    }
}
