import PreflightCore
import PreflightNetwork

extension MSSQLProbeFactory {
    public var descriptions: [ConnectorDescription] {
        [
            ConnectorDescription(
                type: .mssql,
                keys: [
                    ConnectorKey("host", .host, required: true, help: "the server's host name or IP address"),
                    ConnectorKey(
                        "port", .port, default: ConnectorType.mssql.defaultPort.map(String.init),
                        help: "the server's TCP port"),
                    ConnectorKey("username", .string, required: true, help: "the SQL Server login"),
                    ConnectorKey("password", .secret, help: "the login's password"),
                    .sslMode(default: "verify-full"), .sslRootCert,
                    ConnectorKey(
                        "strictEncryption", .boolean, default: "false", extension: true,
                        help:
                            "TDS 8.0: TLS first (ALPN tds/8.0), for a SQL Server 2022 or Azure SQL with Force Strict Encryption"
                    ),
                    ConnectorKey(
                        "schema", .string, default: "dbo", extension: true,
                        help: "as a destination: the schema the pipeline creates and alters tables in"),
                ],
                defaultDatabase: "the database to open (optional: the login's default database)",
                summary:
                    "PRELOGIN and its encryption negotiation (TLS carried inside TDS; TDS 8.0 TLS first with strictEncryption), LOGIN7 with SQL authentication, the database opened, Azure's routing followed once, then CDC readiness (is_cdc_enabled, SQL Server Agent, the cdc schema, snapshot isolation; as a destination: CREATE TABLE and ALTER on the schema)"
            )
        ]
    }
}
