import PreflightCore
import PreflightNetwork

extension ClickHouseProbeFactory {
    public var descriptions: [ConnectorDescription] {
        [
            ConnectorDescription(
                type: .clickhouse,
                keys: [
                    ConnectorKey(
                        "addresses", .list, required: true, help: "host:port addresses, tried in order"),
                    ConnectorKey("username", .string, default: "default", help: "the user"),
                    ConnectorKey("password", .secret, help: "the user's password"),
                    ConnectorKey(
                        "isInsecure", .boolean, default: "false", help: "true for plain HTTP instead of HTTPS"),
                    ConnectorKey(
                        "httpPort", .port, extension: true,
                        help: "the HTTP interface's port (native ports 9000/9440 map to 8123/8443)"),
                    ConnectorKey("database", .string, extension: true, help: "a database to open"),
                    .sslRootCert,
                    ConnectorKey(
                        "writeTest", .boolean, default: "false", extension: true,
                        help: "create and drop one empty preflight_write_test_* table in the database"),
                ],
                summary:
                    "over the HTTP interface: GET /ping, SELECT version() as the user, then whether it may write (readonly, allow_ddl, SHOW GRANTS)"
            )
        ]
    }
}
