import PreflightCore
import PreflightNetwork

extension PostgresProbeFactory {
    public var descriptions: [ConnectorDescription] {
        let login: [ConnectorKey] = [
            ConnectorKey("host", .host, required: true, help: "the server's host name or IP address"),
            ConnectorKey("port", .port, default: nil, help: "the server's port"),
            ConnectorKey("user", .string, required: true, help: "the login role"),
            ConnectorKey("password", .secret, help: "the role's password"),
        ]
        let destination: [ConnectorKey] = [
            ConnectorKey(
                "schema", .string, default: "public", extension: true,
                help: "as a destination: the schema the pipeline writes to (CREATE on it is checked)"),
            ConnectorKey(
                "writeTest", .boolean, default: "false", extension: true,
                help: "as a destination: create and drop one empty preflight_write_test_* table in the schema"),
        ]
        return [
            ConnectorDescription(
                type: .postgresql,
                keys: login.map { $0.name == "port" ? with($0, default: ConnectorType.postgresql.defaultPort) : $0 } + [
                    .sslMode(default: "prefer"), .sslRootCert,
                ] + destination,
                defaultDatabase: "the database to connect to (default postgres)",
                summary:
                    "connects, negotiates TLS, logs in (SCRAM, MD5), opens the database, and checks logical replication readiness (as a destination: the privileges to write in the schema)"
            ),
            ConnectorDescription(
                type: .cockroach,
                keys: login.map { $0.name == "port" ? with($0, default: ConnectorType.cockroach.defaultPort) : $0 } + [
                    .sslMode(default: "prefer"), .sslRootCert,
                ] + destination,
                defaultDatabase: "the database to connect to (default defaultdb)",
                summary: "as postgresql, over CockroachDB's PostgreSQL wire protocol"),
            ConnectorDescription(
                type: .redshift,
                keys: [
                    ConnectorKey(
                        "endpoint", .string, required: true,
                        help: "the cluster endpoint host:port (cluster.abc123.us-east-1.redshift.amazonaws.com:5439)"),
                    ConnectorKey("username", .string, required: true, help: "the database user"),
                    ConnectorKey("password", .secret, help: "the user's password"),
                    .sslMode(default: "require"), .sslRootCert,
                ] + destination,
                defaultDatabase: "the database to connect to (default dev)",
                summary:
                    "connects over TLS (disable and prefer are refused), logs in, opens the database and checks the privileges to write in the schema"
            ),
        ]
    }

    private func with(_ key: ConnectorKey, default value: Int?) -> ConnectorKey {
        var key = key
        key.defaultValue = value.map(String.init)
        return key
    }
}
