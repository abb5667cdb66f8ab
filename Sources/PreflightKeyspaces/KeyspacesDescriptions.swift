import PreflightCore
import PreflightNetwork

extension KeyspacesProbeFactory {
    public var descriptions: [ConnectorDescription] {
        [
            ConnectorDescription(
                type: .keyspaces,
                keys: [
                    ConnectorKey("host", .host, help: "the endpoint (default cassandra.<awsRegion>.amazonaws.com)"),
                    ConnectorKey(
                        "port", .port, default: ConnectorType.keyspaces.defaultPort.map(String.init),
                        help: "the CQL port (TLS)"),
                    ConnectorKey(
                        "awsRegion", .string, required: true,
                        help: "the keyspace's region (names the endpoint, signs the login)"),
                ] + ConnectorKey.awsCredentials + [
                    ConnectorKey(
                        "username", .string, extension: true,
                        help: "service-specific credentials' user name (PasswordAuthenticator) instead of AWS keys"),
                    ConnectorKey(
                        "password", .secret, extension: true, help: "service-specific credentials' password"),
                    .sslRootCert,
                ],
                summary:
                    "CQL v4 over TLS: OPTIONS, STARTUP, SigV4 or password login, system.local, the keyspace (defaultDatabase) and, for a source, CDC streams on its tables"
            )
        ]
    }
}
