import PreflightCore
import PreflightNetwork

extension RedisProbeFactory {
    public var descriptions: [ConnectorDescription] {
        [
            ConnectorDescription(
                type: .redis,
                keys: [
                    ConnectorKey("host", .host, required: true, help: "the server's host name or IP address"),
                    ConnectorKey(
                        "port", .port, default: ConnectorType.redis.defaultPort.map(String.init),
                        help: "the server's port"),
                    ConnectorKey("username", .string, help: "an ACL user (Redis 6+)"),
                    ConnectorKey("password", .secret, help: "the password"),
                    ConnectorKey("database", .integer, default: "0", help: "the database index to SELECT"),
                    ConnectorKey("tls", .boolean, default: "false", help: "true for TLS (verify-full)"),
                    .sslMode(default: "disable"), .sslRootCert,
                ],
                summary: "HELLO 3 with AUTH (AUTH before Redis 6), SELECT and PING")
        ]
    }
}
