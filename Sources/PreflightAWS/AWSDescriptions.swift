import PreflightCore
import PreflightNetwork

extension AWSProbeFactory {
    public var descriptions: [ConnectorDescription] {
        [
            ConnectorDescription(
                type: .s3,
                keys: [ConnectorKey("awsRegion", .string, required: true, help: "the bucket's region (us-east-1)")]
                    + ConnectorKey.awsCredentials + [
                        ConnectorKey(
                            "bucket", .string, extension: true, help: "a bucket to check (HeadBucket, its region)")
                    ] + ConnectorKey.s3Destination + [
                        .sslRootCert
                    ],
                summary:
                    "signs ListBuckets (and HeadBucket for a named bucket) with SigV4; a bucket in another region is named; then IAM SimulatePrincipalPolicy for s3:PutObject/DeleteObject under the prefix"
            ),
            ConnectorDescription(
                type: .delta,
                keys: [
                    ConnectorKey("awsRegion", .string, required: true, help: "the region of the tables' bucket")
                ] + ConnectorKey.awsCredentials + [
                    ConnectorKey(
                        "bucket", .string, extension: true,
                        help: "the bucket holding the Delta tables (HeadBucket, its region)")
                ] + ConnectorKey.s3Destination + [
                    .sslRootCert
                ],
                summary:
                    "Delta Lake tables in S3: the s3 probe (ListBuckets, and HeadBucket for a named bucket) with SigV4"
            ),
            ConnectorDescription(
                type: .dynamodb,
                keys: [
                    ConnectorKey(
                        "streamsArn", .string, required: true,
                        help: "the table's stream ARN (its region is used)")
                ] + ConnectorKey.awsCredentials + [.sslRootCert],
                summary: "DescribeStream, then readiness: the stream ENABLED with NEW_AND_OLD_IMAGES"),
            ConnectorDescription(
                type: .iceberg,
                keys: [
                    ConnectorKey(
                        "provider", .choice, required: true, choices: ["s3tables", "rest"],
                        help: "s3tables (an S3 table bucket) or rest (an Iceberg REST catalog)"),
                    ConnectorKey("bucketARN", .string, help: "s3tables: the table bucket's ARN"),
                    ConnectorKey("region", .string, help: "s3tables: the table bucket's region"),
                    ConnectorKey("uri", .url, help: "rest: the catalog's base URL"),
                    ConnectorKey("token", .secret, help: "rest: a bearer token"),
                    ConnectorKey(
                        "credential", .secret, help: "rest: client id:secret, exchanged for a token at authURI"),
                    ConnectorKey(
                        "authURI", .url, help: "rest: the OAuth token endpoint (default <uri>/v1/oauth/tokens)"),
                    ConnectorKey("scope", .string, default: "PRINCIPAL_ROLE:ALL", help: "rest: the OAuth scope"),
                    ConnectorKey("warehouse", .string, help: "rest: the warehouse to ask the catalog for"),
                    ConnectorKey("prefix", .string, help: "rest: the catalog's path prefix"),
                    ConnectorKey(
                        "namespace", .string, extension: true,
                        help:
                            "rest: the namespace tables are created in (a or a.b): it must load, and a staged create is asked"
                    ),
                    ConnectorKey(
                        "writeTest", .boolean, default: "false", extension: true,
                        help: "rest: create and drop (purge) one empty table preflight_<hex> in the namespace"),
                ] + ConnectorKey.awsCredentials + [.sslRootCert],
                summary:
                    "s3tables: GetTableBucket, then IAM's policy simulator for writing tables; rest: GET /v1/config (after an OAuth exchange), a namespace listing, then the namespace and a staged create"
            ),
        ]
    }
}

extension ConnectorKey {
    /// s3 and delta as destinations: the folder written to, and the opt-in write test.
    static let s3Destination = [
        ConnectorKey(
            "prefix", .string, extension: true,
            help: "the key prefix (folder) the pipeline writes under; its write permissions are simulated with IAM"),
        ConnectorKey(
            "writeTest", .boolean, default: "false", extension: true,
            help: "put and delete one empty object <prefix>preflight_<uuid> (proves writing when IAM cannot be asked)"),
    ]
}
