import PreflightCore
import PreflightNetwork

extension DatabricksProbeFactory {
    public var descriptions: [ConnectorDescription] {
        [
            ConnectorDescription(
                type: .databricks,
                keys: [
                    ConnectorKey(
                        "host", .string, required: true, help: "the workspace host (adb-123.4.azuredatabricks.net)"),
                    ConnectorKey(
                        "httpPath", .string, required: true,
                        help: "a SQL warehouse's path (/sql/1.0/warehouses/ID) or sql/protocolv1/o/ORG/CLUSTER"),
                    ConnectorKey(
                        "personalAccessToken", .secret,
                        help: "a personal access token; or give clientID and clientSecret"),
                    ConnectorKey("clientID", .string, help: "a service principal's OAuth client id (M2M)"),
                    ConnectorKey("clientSecret", .secret, help: "the service principal's OAuth secret"),
                    ConnectorKey(
                        "volume", .string,
                        help:
                            "the staging volume (catalog.schema.volume): must exist, and READ and WRITE VOLUME are checked"
                    ),
                    ConnectorKey(
                        "schema", .string, extension: true,
                        help: "where tables are created (catalog.schema): USE SCHEMA and CREATE TABLE are checked"),
                    ConnectorKey(
                        "writeTest", .boolean, default: "false", extension: true,
                        help: "put and delete one empty file preflight_<uuid> in the volume"),
                    .sslRootCert,
                ],
                summary:
                    "authenticates (PAT or OAuth M2M), reports the warehouse or cluster state, and checks Unity Catalog grants on the volume and schema"
            )
        ]
    }
}
