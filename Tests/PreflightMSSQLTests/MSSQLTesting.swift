import PreflightCore
import PreflightEngine
import PreflightMSSQL
import PreflightProbeTesting

/// The engine and payloads the SQL Server tests share.
enum MSSQLTesting {
    static func engine(timeout: Duration = .seconds(10)) -> PingEngine {
        ProbeTesting.engine([MSSQLProbeFactory()], timeout: timeout)
    }

    static func payload(
        host: String = "127.0.0.1", port: Int, username: String = "artie", password: String?,
        database: String? = "app", extra: [String: String] = [:], role: String? = nil, timeoutSeconds: Double? = nil
    ) -> ConnectorPayload {
        var config = ["host": host, "port": String(port), "username": username]
        if let password { config["password"] = password }
        for (key, value) in extra { config[key] = value }
        return ConnectorPayload(
            type: .mssql, sharedConfig: SharedConfig(strings: config), defaultDatabase: database,
            connectionRole: role, timeoutSeconds: timeoutSeconds)
    }
}
