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
        return try await client.session(
            auth: auth, region: config.region, endpoints: endpoints, mainEndpoint: mainEndpoint, ambient: ambient)
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
