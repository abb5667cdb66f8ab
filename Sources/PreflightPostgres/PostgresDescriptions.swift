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
        return [
            ConnectorDescription(
                type: .postgresql,
                keys: login.map { $0.name == "port" ? with($0, default: ConnectorType.postgresql.defaultPort) : $0 } + [
                    .sslMode(default: "prefer"), .sslRootCert,
                ],
                defaultDatabase: "the database to connect to (default postgres)",
                summary:
                    "connects, negotiates TLS, logs in (SCRAM, MD5), opens the database, and checks logical replication readiness"
            ),
            ConnectorDescription(
                type: .cockroach,
                keys: login.map { $0.name == "port" ? with($0, default: ConnectorType.cockroach.defaultPort) : $0 } + [
                    .sslMode(default: "prefer"), .sslRootCert,
                ],
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
                ],
                defaultDatabase: "the database to connect to (default dev)",
                summary: "connects over TLS (disable and prefer are refused), logs in and opens the database"),
        ]
    }

    private func with(_ key: ConnectorKey, default value: Int?) -> ConnectorKey {
        var key = key
        key.defaultValue = value.map(String.init)
        return key
    }
}
