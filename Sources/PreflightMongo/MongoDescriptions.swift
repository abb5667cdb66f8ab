import PreflightCore
import PreflightNetwork

extension MongoProbeFactory {
    public var descriptions: [ConnectorDescription] {
        let keys: [ConnectorKey] = [
            ConnectorKey(
                "host", .string, required: true,
                help: "a mongodb:// or mongodb+srv:// connection string, or a host or host:port,host:port seed list"),
            ConnectorKey(
                "port", .port, default: ConnectorType.mongodb.defaultPort.map(String.init),
                help: "the port of a bare host"),
            ConnectorKey("user", .string, help: "the user (overrides the string's; username is accepted too)"),
            ConnectorKey("password", .secret, help: "the user's password (overrides the string's)"),
            .sslMode(default: "as the connection string says"), .sslRootCert,
        ]
        return [
            ConnectorDescription(
                type: .mongodb, keys: keys, defaultDatabase: "the database to check (else the string's path)",
                summary:
                    "finds the deployment (SRV, seed list), logs in with SCRAM, reads the topology and checks change streams and the oplog window"
            ),
            ConnectorDescription(
                type: .documentdb, keys: keys, defaultDatabase: "the database to check",
                summary: "as mongodb, with TLS on"),
        ]
    }
}
