import PreflightCore
import PreflightNetwork

extension GoogleProbeFactory {
    public var descriptions: [ConnectorDescription] {
        let common: [ConnectorKey] = [
            ConnectorKey("projectID", .string, required: true, help: "the Google Cloud project id"),
            ConnectorKey(
                "credentialsData", .json, required: true,
                help: "the service account's key file (JSON), pasted whole"),
        ]
        let overrides: [ConnectorKey] = [
            ConnectorKey("endpointURL", .url, extension: true, help: "the API's base URL (private endpoints, tests)"),
            ConnectorKey("tokenURL", .url, extension: true, help: "the token endpoint (else the key file's token_uri)"),
            .sslRootCert,
        ]
        return [
            ConnectorDescription(
                type: .bigquery,
                keys: common + [
                    ConnectorKey("location", .string, help: "US, EU or a region; a named dataset must be there"),
                    ConnectorKey("dataset", .string, extension: true, help: "a dataset to check (its location)"),
                ] + overrides,
                summary: "exchanges a signed JWT for a token, lists datasets, checks the location, dry-runs SELECT 1"),
            ConnectorDescription(
                type: .gcs,
                keys: common + [
                    ConnectorKey("bucket", .string, extension: true, help: "a bucket to check (testIamPermissions)"),
                    ConnectorKey(
                        "writeTest", .boolean, default: "false", extension: true,
                        help: "upload and delete one empty object preflight_<uuid> in the bucket"),
                ] + overrides,
                summary:
                    "exchanges a signed JWT for a token, lists buckets, checks the read and write rights on a named bucket"
            ),
        ]
    }
}
