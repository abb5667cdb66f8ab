import Foundation
import PreflightCore
import PreflightTestSupport

extension PostgresTestServer {
    /// A `postgresql` ping of this server as `user`; `sslMode` disable unless given, `caFile`'s PEM as
    /// `sslRootCert`, another `port` (the replica-level cluster) and a `connectionRole` when given.
    func payload(
        user: String, password: String, database: String? = nil, sslMode: String = "disable",
        caFile: String? = nil, port: Int? = nil, role: String? = nil
    ) throws -> ConnectorPayload {
        var config: [String: String] = [
            "host": host, "port": String(port ?? self.port), "user": user, "password": password, "sslMode": sslMode,
        ]
        if let caFile { config["sslRootCert"] = try String(contentsOfFile: caFile, encoding: .utf8) }
        return ConnectorPayload(
            type: .postgresql, sharedConfig: SharedConfig(strings: config), defaultDatabase: database,
            connectionRole: role)
    }
}
