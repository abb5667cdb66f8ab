import PreflightCore
import PreflightNetwork

/// A ping of a PostgreSQL-wire server (work in progress).
struct PostgresProbe: Probe {
    let config: PostgresConfig
    var target: PingTarget { PingTarget(host: config.host, port: config.port) }
    func run(in context: ProbeContext) async throws(ProbeFailure) {
        _ = try await context.resolveAndConnect(config.host, port: config.port)
    }
}
