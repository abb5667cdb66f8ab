import PreflightHTTP

/// Where each AWS API lives for a region, or the one `endpointURL` that replaces them all (as AWS
/// SDKs' endpoint URL does; S3 then uses path-style addressing). Pure.
public struct AWSEndpoints: Sendable, Equatable {
    public var override: HTTPEndpoint?

    public init(override: HTTPEndpoint? = nil) {
        self.override = override
    }

    /// `amazonaws.com`, or `amazonaws.com.cn` for the China regions.
    static func suffix(for region: String) -> String {
        region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
    }

    private func host(_ name: String) -> HTTPEndpoint {
        override ?? HTTPEndpoint(isTLS: true, host: name, port: 443)
    }

    /// Regional STS (`sts.REGION.amazonaws.com`).
    public func sts(region: String) -> HTTPEndpoint { host("sts.\(region).\(Self.suffix(for: region))") }

    /// IAM, one global endpoint per partition, and the region its requests are signed for:
    /// `iam.amazonaws.com` (us-east-1), China `iam.cn-north-1.amazonaws.com.cn`, GovCloud `iam.us-gov.amazonaws.com`.
    public func iam(region: String) -> (endpoint: HTTPEndpoint, signingRegion: String) {
        if region.hasPrefix("cn-") { return (host("iam.cn-north-1.amazonaws.com.cn"), "cn-north-1") }
        if region.hasPrefix("us-gov-") { return (host("iam.us-gov.amazonaws.com"), "us-gov-west-1") }
        return (host("iam.amazonaws.com"), "us-east-1")
    }

    /// S3's regional endpoint, for account-wide calls (ListBuckets).
    public func s3(region: String) -> HTTPEndpoint { host("s3.\(region).\(Self.suffix(for: region))") }

    /// The endpoint and path prefix for one bucket: virtual-hosted (`BUCKET.s3.REGION.amazonaws.com`, path "")
    /// for DNS-safe names without dots, path-style (`/BUCKET`) otherwise and always with `endpointURL`.
    public func s3Bucket(_ bucket: String, region: String) -> (endpoint: HTTPEndpoint, path: String) {
        let encoded = "/" + FormEncoding.percentEncode(bucket)
        if override != nil { return (s3(region: region), encoded) }
        let dnsSafe =
            !bucket.contains(".") && bucket == bucket.lowercased()
            && bucket.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }
        if dnsSafe { return (host("\(bucket).s3.\(region).\(Self.suffix(for: region))"), "") }
        return (s3(region: region), encoded)
    }

    /// DynamoDB Streams (`streams.dynamodb.REGION.amazonaws.com`; signed as service `dynamodb`).
    public func dynamoDBStreams(region: String) -> HTTPEndpoint {
        host("streams.dynamodb.\(region).\(Self.suffix(for: region))")
    }

    /// S3 Tables (`s3tables.REGION.amazonaws.com`).
    public func s3Tables(region: String) -> HTTPEndpoint { host("s3tables.\(region).\(Self.suffix(for: region))") }
}
