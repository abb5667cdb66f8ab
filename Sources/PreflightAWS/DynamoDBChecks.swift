import PreflightCore
import PreflightHTTP
import PreflightNetwork

/// DynamoDB: DescribeStream on `streamsArn` (the stream exists and the keys may read it), then the
/// readiness checks (ENABLED, NEW_AND_OLD_IMAGES).
struct DynamoDBChecks {
    let probe: AWSProbe
    let client: AWSClient
    let session: AWSProbe.Session

    func run(stream: StreamARN) async throws(ProbeFailure) {
        let region = stream.region
        let endpoint = probe.endpoints.dynamoDBStreams(region: region)
        let call = AWSCall(
            product: "DynamoDB Streams", action: "dynamodb:DescribeStream", keyID: session.credentials.accessKeyID,
            roleARN: session.roleARN, region: region, resource: "stream of table \(stream.table) (\(stream.text))")
        let description = try await client.call(
            DynamoDBStreams.describeRequest(streamARN: stream.text), to: endpoint, label: nil,
            signingService: "dynamodb", region: region, credentials: session.credentials, step: .describeStream,
            activity: "describing the stream of table \(stream.table) (DescribeStream)"
        ) { response, outcome throws(ProbeFailure) in
            try AWSProbe.failIfError(response, call: call, endpoint: endpoint)
            guard let description = DynamoDBStreams.parse(response.body) else {
                throw ProbeFailure(
                    .protocolMismatch,
                    "\(endpoint.hostHeader) answered DescribeStream with \(response.statusLine) but no stream description (\(response.looksLikeHTML ? "an HTML page" : "\(response.body.count) bytes of something else"))",
                    hint: "check endpointURL: this does not look like DynamoDB Streams")
            }
            outcome.detail =
                "stream \(description.label ?? stream.label) of table \(description.tableName ?? stream.table) in \(region): \(description.status), \(description.viewType ?? "no view type")"
            return description
        }
        let context = client.context
        let checks = try await context.step(.readiness, "checking the stream for CDC") { outcome -> [ReadinessCheck] in
            let checks = DynamoDBStreams.checks(description, stream: stream)
            for check in checks { context.trace.check(check) }
            (outcome.status, outcome.detail, outcome.hint) = ReadinessVerdict.step(
                for: checks, isSource: context.isSource, readyFor: "DynamoDB CDC")
            return checks
        }
        if context.isSource,
            let failure = ReadinessVerdict.sourceFailure(for: checks, server: "the stream of table \(stream.table)")
        {
            throw failure
        }
    }
}
