import PreflightCore
import PreflightNetwork

extension MySQLProbeFactory {
    public var descriptions: [ConnectorDescription] {
        func keys(tlsDefault: String) -> [ConnectorKey] {
            [
                ConnectorKey("host", .host, required: true, help: "the server's host name or IP address"),
                ConnectorKey(
                    "port", .port, default: ConnectorType.mysql.defaultPort.map(String.init), help: "the server's port"),
                ConnectorKey("user", .string, required: true, help: "the login user"),
                ConnectorKey("password", .secret, help: "the user's password"),
                ConnectorKey(
                    "tlsMode", .choice, default: "", choices: ["", "preferred"],
                    help: "Artie's TLS switch: empty for none, preferred for TLS when offered (sslMode wins)"),
                .sslMode(default: tlsDefault), .sslRootCert,
                ConnectorKey(
                    "serverPublicKey", .pem, extension: true,
                    help: "the server's RSA public key for caching_sha2_password without TLS (else asked of the server)"
                ),
                ConnectorKey(
                    "writeTest", .boolean, default: "false", extension: true,
                    help:
                        "as a destination: create and drop one empty preflight_write_test_* table in the database"),
            ]
        }
        return [
            ConnectorDescription(
                type: .mysql, keys: keys(tlsDefault: "disable"),
                defaultDatabase: "the database to open (optional)",
                summary:
                    "connects, negotiates TLS, logs in (native, caching_sha2, ed25519), opens the database, and checks binlog readiness (as a destination: CREATE, ALTER, INSERT, UPDATE, DELETE, DROP on the database)"
            ),
            ConnectorDescription(
                type: .planetscale, keys: keys(tlsDefault: "verify-full"),
                defaultDatabase: "the database to open (optional)",
                summary: "as mysql, with TLS always verify-full (anything weaker is refused)"),
        ]
    }
}
