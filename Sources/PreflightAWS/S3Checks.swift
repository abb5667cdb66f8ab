import PreflightCore
import PreflightHTTP
import PreflightNetwork

/// S3: ListBuckets (the keys work and may list), then HeadBucket on the configured bucket (it exists,
/// the keys may reach it, and it is in the configured region), then destination readiness
/// (S3Checks+Destination).
struct S3Checks {
    let probe: AWSProbe
    let client: AWSClient
    let session: AWSProbe.Session

    /// ListBuckets pages; more is not needed to know the keys work.
    static let listLimit = 100

    var region: String { probe.config.region }

    func call(_ action: String, resource: String? = nil) -> AWSCall {
        AWSCall(
            product: "Amazon S3", action: action, keyID: session.credentials.accessKeyID, roleARN: session.roleARN,
            region: region, resource: resource)
    }

    func run(bucket: String?) async throws(ProbeFailure) {
        let listed = try await listBuckets(bucketGiven: bucket != nil)
        if let bucket {
            try await headBucket(bucket, listed: listed)
        }
        // s3 and delta are only ever destinations.
        try await destination(bucket: bucket)
    }

    /// The bucket names ListBuckets returned; nil when listing was refused but a bucket is configured
    /// (many policies grant a bucket without s3:ListAllMyBuckets).
    func listBuckets(bucketGiven: Bool) async throws(ProbeFailure) -> [String]? {
        let endpoint = probe.endpoints.s3(region: region)
        let call = self.call("s3:ListAllMyBuckets")
        let request = AWSRequest("GET", "/", query: [.init("max-buckets", String(Self.listLimit))])
        return try await client.call(
            request, to: endpoint, label: nil, signingService: "s3", region: region,
            credentials: session.credentials, step: .listBuckets, activity: "listing buckets (ListBuckets)"
        ) { response, outcome throws(ProbeFailure) -> [String]? in
            if !response.isSuccess, bucketGiven,
                let error = AWSServiceError.parse(status: response.status, body: response.body),
                ["AccessDenied", "AccessDeniedException"].contains(error.code)
            {
                outcome.status = .warning
                outcome.detail =
                    "the credentials are accepted, but may not list buckets (\(error.description)); checking the bucket directly"
                outcome.hint = "optional: grant s3:ListAllMyBuckets for a fuller check"
                return nil
            }
            try AWSProbe.failIfError(response, call: call, endpoint: endpoint)
            let text = response.text
            guard XMLText.contains("ListAllMyBucketsResult", in: text) else {
                throw ProbeFailure(
                    .protocolMismatch,
                    "\(endpoint.hostHeader) answered ListBuckets with \(response.statusLine) but not with a bucket list (\(response.looksLikeHTML ? "an HTML page" : "\(response.body.count) bytes of something else"))",
                    hint: "check endpointURL: this does not look like Amazon S3")
            }
            let names = XMLText.elements("Name", in: text)
            let shown = names.prefix(5).joined(separator: ", ")
            outcome.detail =
                "\(session.credentials.accessKeyID) may list buckets: \(names.count)\(names.count >= Self.listLimit ? "+" : "") visible"
                + (names.isEmpty ? "" : " (\(shown)\(names.count > 5 ? ", ..." : ""))")
            return names
        }
    }

    func headBucket(_ bucket: String, listed: [String]?) async throws(ProbeFailure) {
        let located = probe.endpoints.s3Bucket(bucket, region: region)
        let label = located.endpoint == probe.endpoints.s3(region: region) ? nil : "bucket"
        let call = self.call("s3:ListBucket", resource: "bucket \(bucket)")
        let region = self.region
        let request = AWSRequest("HEAD", located.path.isEmpty ? "/" : located.path)
        try await client.call(
            request, to: located.endpoint, label: label, signingService: "s3", region: region,
            credentials: session.credentials, step: .headBucket, activity: "checking bucket \(bucket) (HeadBucket)"
        ) { response, outcome throws(ProbeFailure) in
            let actual = response.header("x-amz-bucket-region")?.trimmingCharacters(in: .whitespaces)
            if let actual, !actual.isEmpty, actual != region,
                response.isSuccess || [301, 307, 400, 403].contains(response.status)
            {
                throw ProbeFailure(
                    .invalidConfig, "bucket \(bucket) is in \(actual), config says \(region) (awsRegion)",
                    hint: "set awsRegion to \(actual)")
            }
            switch response.status {
            case 200..<300:
                outcome.detail = "bucket \(bucket) in \(actual ?? region) reachable"
            case 404:
                throw ProbeFailure(
                    .databaseNotFound, "bucket \(bucket) does not exist (HeadBucket answered 404)",
                    hint: listed.map {
                        $0.isEmpty
                            ? "these credentials see no buckets at all"
                            : "the buckets these credentials see include: \($0.prefix(5).joined(separator: ", "))"
                    }
                        ?? "check the bucket name (names are global and case-sensitive)")
            case 403:
                throw ProbeFailure(
                    .permission,
                    "\(call.principal) may not access bucket \(bucket) (HeadBucket answered 403 Forbidden)",
                    hint:
                        "grant s3:ListBucket on arn:aws:s3:::\(bucket) (and check the bucket policy for an explicit Deny); a 403 is also what a bucket in another account answers"
                )
            case 301, 307:
                throw ProbeFailure(
                    .invalidConfig, "bucket \(bucket) is not in \(region): S3 answered \(response.statusLine)",
                    hint: "set awsRegion to the bucket's region (aws s3api get-bucket-location --bucket \(bucket))")
            default:
                try AWSProbe.failIfError(response, call: call, endpoint: located.endpoint)
            }
        }
    }
}
