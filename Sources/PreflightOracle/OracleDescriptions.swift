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
                    "TNS CONNECT to the listener with the service name (or SID), following a REDIRECT once; TCPS when sslMode asks for TLS. Then the login (O5LOGON with the 11g or 12c password verifier, the password sent only encrypted, the server's proof checked): ORA-01017 and a locked (ORA-28000) or expired (ORA-28001) account are auth, a missing CREATE SESSION (ORA-01045) is permission. Then read-only LogMiner readiness: V$DATABASE.LOG_MODE = ARCHIVELOG, minimal supplemental logging, LOGMINING, SELECT ANY TRANSACTION, EXECUTE ON DBMS_LOGMNR and SELECT_CATALOG_ROLE, each with its fix; failed checks fail a source (cdc_not_ready) and are warnings otherwise"
            )
        ]
    }
}
