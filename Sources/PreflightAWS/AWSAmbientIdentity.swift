import Foundation
import PreflightCore
import PreflightHTTP

/// This service's own AWS identity, lent only where its operator allows: to assume a connector's role
/// (`awsRoleARN` without keys), with the role's external ID (AWS's rule against the confused deputy). The
/// AssumeRole call it signs goes only to AWS's own STS or to the STS endpoint the operator names, never to
/// a tenant's `endpointURL`; the session it returns is the tenant role's, used like keys the tenant gave.
public struct AWSAmbientIdentity: Sendable {
    let credentials: AWSCredentials
    /// Where the assume-role call goes instead of `sts.REGION.amazonaws.com` (a VPC endpoint, a test peer);
    /// chosen by the operator, never by a payload.
    let stsEndpoint: HTTPEndpoint?

    /// Reads `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN` from `environment`; nil
    /// without them. `stsEndpointURL` is the operator's override, if any.
    public init?(environment: [String: String], stsEndpointURL: String? = nil) throws {
        guard let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty,
            let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty
        else { return nil }
        let token = environment["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        credentials = AWSCredentials(accessKeyID: id, secretAccessKey: secret, sessionToken: token)
        if let stsEndpointURL {
            do {
                stsEndpoint = try HTTPEndpoint.parse(stsEndpointURL, key: "stsEndpoint")
            } catch {
                // HTTPEndpoint names payload keys; this one is the operator's flag.
                throw InvalidConfig(
                    error.message.replacingOccurrences(of: "sharedConfig.stsEndpoint", with: "--aws-sts-endpoint"))
            }
        } else {
            stsEndpoint = nil
        }
    }
}
