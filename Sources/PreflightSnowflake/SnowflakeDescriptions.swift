import PreflightCore
import PreflightNetwork

extension SnowflakeProbeFactory {
    public var descriptions: [ConnectorDescription] {
        [
            ConnectorDescription(
                type: .snowflake,
                keys: [
                    ConnectorKey(
                        "accountIdentifier", .string, required: true,
                        help: "org-account, org.account, a locator (xy12345.us-east-2.aws) or the account URL"),
                    ConnectorKey("virtualDWH", .string, required: true, help: "the warehouse the pipeline uses"),
                    ConnectorKey("username", .string, required: true, help: "the user"),
                    ConnectorKey(
                        "privateKey", .pem, help: "an unencrypted PKCS#8 RSA key (key-pair auth); or give password"),
                    ConnectorKey("password", .secret, help: "the user's password; or give privateKey"),
                    ConnectorKey("role", .string, extension: true, help: "the role to use (else the user's default)"),
                    ConnectorKey(
                        "database", .string, extension: true,
                        help: "the database written to: the role's USAGE and CREATE SCHEMA on it are checked"),
                    ConnectorKey(
                        "schema", .string, extension: true,
                        help: "a schema in database: USAGE and CREATE TABLE on it instead of CREATE SCHEMA"),
                    ConnectorKey(
                        "accountURL", .url, extension: true,
                        help: "the account's URL (default https://<account>.snowflakecomputing.com)"),
                    .sslRootCert,
                ],
                summary:
                    "logs in with a key-pair JWT or a password, checks that the role can use the warehouse, then SHOW GRANTS TO ROLE and SHOW WAREHOUSES (destination readiness)"
            )
        ]
    }
}
