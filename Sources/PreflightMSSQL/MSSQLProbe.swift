import Foundation
import NIOCore
import PreflightCore
import PreflightNetwork

/// A ping of SQL Server (on premises, RDS, Azure SQL): dns, connect, hello (PRELOGIN), tls (carried
/// inside TDS as 7.x requires), auth (LOGIN7, SQL authentication), database, a routing redirect
/// followed once (Azure SQL's gateway), then read-only readiness queries for CDC (as a destination:
/// CREATE TABLE and ALTER on the schema).
struct MSSQLProbe: Probe {
    let config: MSSQLConfig
    /// A destination ping (`connectionRole: "destination"`).
    var isDestination = false

    var target: PingTarget { PingTarget(host: config.host, port: config.port) }

    /// A login answer or a readiness result is far smaller.
    static let messageLimit = 1 << 20

    static func name(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Where a session ended: done, or sent elsewhere by the server.
    enum SessionEnd: Sendable {
        case done
        case routed(host: String, port: Int)
    }

    func run(in context: ProbeContext) async throws(ProbeFailure) {
        var host = config.host
        var port = config.port
        for attempt in 0..<2 {
            switch try await session(host: host, port: port, context: context) {
            case .done: return
            case .routed(let newHost, let newPort):
                guard attempt == 0 else {
                    throw ProbeFailure(
                        .protocolMismatch,
                        "\(Self.name(host, port)) redirected the login again (to \(Self.name(newHost, newPort))); Preflight follows one redirect"
                    )
                }
                context.trace.note(
                    .topology, status: .passed,
                    detail:
                        "\(Self.name(host, port)) routed the login to \(Self.name(newHost, newPort)) (ENVCHANGE routing, as Azure SQL's gateway does); following it once"
                )
                host = newHost
                port = newPort
            }
        }
    }

    /// One connection: PRELOGIN, TLS, LOGIN7, then readiness (unless the server routes the login elsewhere).
    func session(host: String, port: Int, context: ProbeContext) async throws(ProbeFailure)
        -> SessionEnd
    {
        let dial = try await context.resolveAndConnect(host, port: port)
        let wire = try await TDSWire.attach(to: dial.channel, maxMessage: Self.messageLimit)
        defer { wire.close() }
        let server = Self.name(host, port)
        var settings = config.tls
        settings.serverName = host
        if config.strictEncryption {
            // TDS 8.0: TLS before any TDS message.
            try await context.step(
                .tls, "negotiating TLS first (TDS 8.0 strict encryption) with \(server)",
                timeoutHint:
                    "the server did not finish the TLS handshake; without Force Strict Encryption it waits for PRELOGIN"
            ) { outcome in
                let session = try await TDSTLS.handshake(
                    on: wire.channel, settings: settings, peerName: server, strict: true)
                outcome.detail = session.info.description + "; TDS 8.0: the whole session is encrypted"
            }
        }
        let request: TDSEncryption =
            config.strictEncryption ? .on : TDSEncryptionNegotiation.request(for: config.tls.mode)
        let answer = try await context.step(
            .hello, "exchanging PRELOGIN with \(server)",
            timeoutHint: "the port accepted the connection but did not answer PRELOGIN; this is probably not SQL Server"
        ) { outcome in
            let prelogin = try await self.prelogin(wire, request: request, server: server, context: context)
            outcome.detail =
                "SQL Server \(prelogin.versionText) answered PRELOGIN: encryption \(prelogin.encryption.name) (asked \(request.name))"
            return prelogin
        }
        let plan =
            config.strictEncryption
            ? TDSEncryptionPlan.none  // already inside TLS
            : try await negotiateTLS(wire, prelogin: answer, settings: settings, server: server, context: context)
        let loggedIn = try await login(wire, host: host, plan: plan, server: server, context: context)
        if let routing = loggedIn.routing {
            return .routed(host: routing.host, port: routing.port)
        }
        if !config.database.isEmpty {
            context.trace.note(
                .database, status: .passed,
                detail: "opened database \"\(loggedIn.database ?? config.database)\"")
        }
        try await readiness(wire, server: server, context: context)
        return .done
    }
}
