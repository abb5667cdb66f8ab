import PreflightCore
import PreflightHTTP
import PreflightNetwork

/// Iceberg on S3 Tables: GetTableBucket (`GET /buckets/{ARN}`, REST-JSON, service `s3tables`), then
/// destination readiness from IAM's policy simulator.
struct S3TablesChecks {
    let probe: AWSProbe
    let client: AWSClient
    let session: AWSProbe.Session

    /// The request: the ARN is one path segment, percent-encoded.
    static func request(bucketARN: String) -> AWSRequest {
        AWSRequest("GET", "/buckets/" + FormEncoding.percentEncode(bucketARN))
    }

    func run(bucket: TableBucketARN) async throws(ProbeFailure) {
        let region = bucket.region
        let endpoint = probe.endpoints.s3Tables(region: region)
        let call = AWSCall(
            product: "S3 Tables", action: "s3tables:GetTableBucket", keyID: session.credentials.accessKeyID,
            roleARN: session.roleARN, region: region, resource: "table bucket \(bucket.name) (\(bucket.text))")
        try await client.call(
            Self.request(bucketARN: bucket.text), to: endpoint, label: nil, signingService: "s3tables", region: region,
            credentials: session.credentials, step: .getTableBucket,
            activity: "reading table bucket \(bucket.name) (GetTableBucket)"
        ) { response, outcome throws(ProbeFailure) in
            try AWSProbe.failIfError(response, call: call, endpoint: endpoint)
            guard let json = response.json(), let arn = json["arn"]?.stringValue else {
                throw ProbeFailure(
                    .protocolMismatch,
                    "\(endpoint.hostHeader) answered GetTableBucket with \(response.statusLine) but no table bucket (\(response.looksLikeHTML ? "an HTML page" : "\(response.body.count) bytes of something else"))",
                    hint: "check endpointURL: this does not look like Amazon S3 Tables")
            }
            let name = json["name"]?.stringValue ?? bucket.name
            outcome.detail = "table bucket \(name) in \(region) reachable" + (arn == bucket.text ? "" : " (\(arn))")
        }
        // S3 Tables is only ever a destination.
        try await destination(bucket: bucket)
    }

    /// Destination readiness: whose policies (STS GetCallerIdentity, or the configured role), then IAM's
    /// policy simulator for creating tables in the bucket and reading, writing and committing them.
    /// Nothing is written.
    func destination(bucket: TableBucketARN) async throws(ProbeFailure) {
        let s3 = S3Checks(probe: probe, client: client, session: session)
        let target = "table bucket \(bucket.name)"
        let arn = bucket.text
        let checks: [ReadinessCheck]
        switch try await s3.principalARN() {
        case .failure(let reason):
            checks = S3TablesDestinationReadiness.checks(
                .unproven(principal: nil, reason: reason.reason, simulationDenied: false), bucketARN: arn)
            s3.record(checks, target: target)
        case .success(let principal):
            checks = try await s3.simulate(
                principal: principal,
                actions: S3TablesDestinationReadiness.bucketActions + S3TablesDestinationReadiness.tableActions,
                resources: [arn, S3TablesDestinationReadiness.simulatedTableARN(arn)], target: target
            ) { evidence in
                S3TablesDestinationReadiness.checks(evidence, bucketARN: arn)
            }
        }
        if let failure = ReadinessVerdict.destinationFailure(for: checks, server: "Amazon S3 Tables", target: target) {
            throw failure
        }
    }
}
