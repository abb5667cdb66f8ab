import PreflightCore
import PreflightNetwork

extension OracleProbeFactory {
    public var descriptions: [ConnectorDescription] {
        [
            ConnectorDescription(
                type: .oracle,
                keys: [
                    ConnectorKey("host", .host, required: true, help: "the listener's host name or IP address"),
                    ConnectorKey(
                        "port", .port, default: ConnectorType.oracle.defaultPort.map(String.init),
                        help: "the listener's port (TCPS often listens on 2484)"),
                    ConnectorKey("user", .string, required: true, help: "the login user"),
                    ConnectorKey("password", .secret, help: "the user's password"),
                    ConnectorKey(
                        "sid", .string, extension: true,
                        help: "an old instance's SID, instead of a service name in defaultDatabase"),
                    .sslMode(default: "disable"), .sslRootCert,
                ],
                defaultDatabase: "the service name (e.g. FREEPDB1, ORCLPDB1); required unless sid is given",
                summary:
                    "TNS CONNECT to the listener with the service name (or SID), following a REDIRECT once; TCPS when sslMode asks for TLS. The login (O5LOGON) is not implemented yet: a service the listener accepts ends unsupported, the credentials unchecked"
            )
        ]
    }
}
