import Foundation
import PreflightCore
import PreflightHTTP
import PreflightNetwork

/// A ping of an AWS-family connector: credentials first (AssumeRole when a role is configured), then
/// read-only calls (S3 ListBuckets and HeadBucket, DynamoDB Streams DescribeStream, S3 Tables
/// GetTableBucket, or an Iceberg REST catalog's config). Never writes anything.
struct AWSProbe: Probe {
    let config: AWSConfig
    /// This service's own credentials (from its environment), used to assume a role when the
    /// connector gives only `awsRoleARN`.
    let ambient: AWSAmbientIdentity?

    var endpoints: AWSEndpoints { AWSEndpoints(override: config.endpointURL) }

    /// The endpoint of the main call, for the report's target.
    var mainEndpoint: HTTPEndpoint {
        switch config.plan {
        case .s3: endpoints.s3(region: config.region)
        case .dynamodb: endpoints.dynamoDBStreams(region: config.region)
        case .s3Tables: endpoints.s3Tables(region: config.region)
        case .icebergREST(let rest): rest.catalog
        }
    }

    var target: PingTarget { PingTarget(host: mainEndpoint.host, port: mainEndpoint.port) }

    func run(in context: ProbeContext) async throws(ProbeFailure) {
        let client = AWSClient(context: context, rootCertificatesPEM: config.rootCertificatesPEM)
        defer { client.http.close() }
        for note in config.notes {
            context.trace.note(.config, status: .warning, detail: note)
        }
        switch config.plan {
        case .s3(let bucket):
            let session = try await credentials(client)
            try await S3Checks(probe: self, client: client, session: session).run(bucket: bucket)
        case .dynamodb(let stream):
            let session = try await credentials(client)
            try await DynamoDBChecks(probe: self, client: client, session: session).run(stream: stream)
        case .s3Tables(let bucket):
            let session = try await credentials(client)
            try await S3TablesChecks(probe: self, client: client, session: session).run(bucket: bucket)
        case .icebergREST(let rest):
            try await IcebergRESTChecks(client: client, config: rest).run()
        }
    }

    // MARK: Credentials

    /// The credentials later calls are signed with, and the role they act as (for messages).
    struct Session: Sendable {
        var credentials: AWSCredentials
        var roleARN: String?
    }

    /// The configured keys, or, with `awsRoleARN`, a session from STS AssumeRole.
    func credentials(_ client: AWSClient) async throws(ProbeFailure) -> Session {
        guard let auth = config.auth else { throw ProbeFailure(.internalError, "no AWS credentials were prepared") }
        client.remember(secret: auth.credentials?.secretAccessKey)
        client.remember(secret: auth.credentials?.sessionToken)
        guard let role = auth.roleARN else {
            guard let credentials = auth.credentials else {
                throw ProbeFailure(.internalError, "no AWS credentials were prepared")
            }
            return Session(credentials: credentials)
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
        let region = config.region
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
        return Session(credentials: result.credentials, roleARN: role.text)
    }

    private func context(_ client: AWSClient) -> ProbeContext { client.context }

    // MARK: Shared response handling

    /// Throws the categorised failure for a non-2xx answer.
    static func failIfError(_ response: HTTPResponse, call: AWSCall, endpoint: HTTPEndpoint) throws(ProbeFailure) {
        guard !response.isSuccess else { return }
        if let error = AWSServiceError.parse(
            status: response.status, body: response.body, errorTypeHeader: response.header("x-amzn-ErrorType"))
        {
            throw AWSErrorMapping.failure(for: error, call: call)
        }
        throw AWSErrorMapping.failure(forUnrecognized: response, call: call, endpoint: endpoint.hostHeader)
    }
}
