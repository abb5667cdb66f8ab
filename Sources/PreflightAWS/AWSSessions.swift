import PreflightCore
import PreflightHTTP
import PreflightNetwork

extension AWSClient {
    /// The configured keys, or, with `awsRoleARN`, a session from STS AssumeRole (recorded as the step
    /// `sts_assume_role`; its connection's steps are labelled `sts_` unless it goes to `mainEndpoint`).
    /// Every secret involved is remembered for masking.
    func session(
        auth: AWSAuthConfig, region: String, endpoints: AWSEndpoints, mainEndpoint: HTTPEndpoint?,
        ambient: AWSAmbientIdentity?
    ) async throws(ProbeFailure) -> AWSProbe.Session {
        let client = self
        client.remember(secret: auth.credentials?.secretAccessKey)
        client.remember(secret: auth.credentials?.sessionToken)
        guard let role = auth.roleARN else {
            guard let credentials = auth.credentials else {
                throw ProbeFailure(.internalError, "no AWS credentials were prepared")
            }
            return AWSProbe.Session(credentials: credentials)
        }
        guard let caller = auth.credentials ?? ambient?.credentials else {
            // The factory refuses this payload; kept so that no path sends an unsigned call.
            throw ProbeFailure(.invalidConfig, "awsRoleARN is set without keys to assume it with")
        }
        let lendingOurs = auth.credentials == nil
        // This service's own key id is never named in a report: it is masked like a secret.
        let callerName = lendingOurs ? "this service's AWS identity" : caller.accessKeyID
        if lendingOurs { client.remember(secret: caller.accessKeyID) }
        client.remember(secret: caller.secretAccessKey)
        client.remember(secret: caller.sessionToken)
        let externalID = auth.externalID
        let request = STSAssumeRole.request(
            roleARN: role.text, externalID: externalID,
            sessionName: "preflight-\(UInt32.random(in: 0...UInt32.max))")
        let endpoint =
            lendingOurs ? (ambient?.stsEndpoint ?? AWSEndpoints().sts(region: region)) : endpoints.sts(region: region)
        let label = endpoint == mainEndpoint ? nil : "sts"
        let result = try await client.call(
            request, to: endpoint, label: label, signingService: "sts", region: region,
            credentials: caller, step: .stsAssumeRole, activity: "assuming role \(role.text) with STS"
        ) { response, outcome throws(ProbeFailure) in
            guard response.isSuccess else {
                if let error = AWSServiceError.parse(
                    status: response.status, body: response.body, errorTypeHeader: response.header("x-amzn-ErrorType"))
                {
                    throw STSAssumeRole.failure(
                        for: error, roleARN: role.text, callerKeyID: callerName,
                        externalIDGiven: externalID != nil, region: region)
                }
                throw AWSErrorMapping.failure(
                    forUnrecognized: response,
                    call: AWSCall(
                        product: "AWS STS", action: "sts:AssumeRole", keyID: callerName, region: region),
                    endpoint: endpoint.hostHeader)
            }
            guard let result = STSAssumeRole.parse(response.text) else {
                throw ProbeFailure(
                    .protocolMismatch,
                    "\(endpoint.hostHeader) answered AssumeRole with \(response.statusLine) but no session credentials",
                    hint: "check endpointURL: this does not look like AWS STS")
            }
            outcome.detail =
                "assumed \(result.assumedRoleARN ?? role.text) as \(result.credentials.accessKeyID)"
                + (externalID != nil ? " (with the external ID)" : "")
                + (result.expiration.map { ", valid until \($0)" } ?? "")
            return result
        }
        client.remember(secret: result.credentials.secretAccessKey)
        client.remember(secret: result.credentials.sessionToken)
        return AWSProbe.Session(credentials: result.credentials, roleARN: role.text)
    }

}

/// The AWS credentials other modules sign with (Amazon Keyspaces' SigV4 login): the keys given, or a
/// session from STS AssumeRole, exactly as the s3/dynamodb probes obtain them.
public enum AWSSessions {
    /// The credentials to sign with and the role they act as; AssumeRole (when `auth` names a role) goes to
    /// `endpointURL` or `sts.REGION.amazonaws.com` (with `ambient`, to the operator's STS), as a step of `context`.
    public static func credentials(
        auth: AWSAuthConfig, region: String, endpointURL: HTTPEndpoint?, ambient: AWSAmbientIdentity?,
        rootCertificatesPEM: String?, context: ProbeContext
    ) async throws(ProbeFailure) -> (credentials: AWSCredentials, roleARN: String?) {
        let client = AWSClient(context: context, rootCertificatesPEM: rootCertificatesPEM)
        defer { client.http.close() }
        let endpoints = AWSEndpoints(override: endpointURL)
        let session = try await client.session(
            auth: auth, region: region, endpoints: endpoints, mainEndpoint: nil, ambient: ambient)
        return (session.credentials, session.roleARN)
    }
}
