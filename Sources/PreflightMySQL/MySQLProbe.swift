import Foundation
import NIOCore
import PreflightCore
import PreflightNetwork

/// A ping of a MySQL-wire server (MySQL, MariaDB, Aurora, PlanetScale): dns, connect, greeting, tls
/// (the SSL request), auth (every plugin of `MySQLAuthenticator`), database, then read-only readiness
/// queries for binlog CDC (as a destination: the privileges to write), and a clean COM_QUIT.
struct MySQLProbe: Probe {
    let config: MySQLConfig
    /// A destination ping (`connectionRole: "destination"`): write privileges instead of binlog checks.
    var isDestination = false
    /// `writeTest: true`: create and drop one table (destinations only; otherwise noted as skipped).
    var writeTest = false

    var target: PingTarget { PingTarget(host: config.host, port: config.port) }

    var product: String { config.type.productName }
    var server: String {
        config.host.utf8.contains(UInt8(ascii: ":"))
            ? "[\(config.host)]:\(config.port)" : "\(config.host):\(config.port)"
    }

    /// A greeting is well under 1 KiB; a header announcing more than this is not MySQL.
    static let greetingLimit = 64 << 10
    /// Any later packet (a grants row, an RSA key) is far smaller.
    static let packetLimit = 1 << 20

    func run(in context: ProbeContext) async throws(ProbeFailure) {
        let dial = try await context.resolveAndConnect(config.host, port: config.port)
        let wire = try await MySQLWire.attach(to: dial.channel, maxPayload: Self.greetingLimit)
        // COM_QUIT and close however the ping ends (a no-op when the server already closed).
        defer { wire.quit() }
        let server = self.server
        let greeting = try await context.step(
            .greeting, "waiting for \(server) to send its greeting",
            timeoutHint:
                "the port accepted the connection but sent nothing; MySQL servers speak first, so this is probably not MySQL (or it is overloaded)"
        ) { outcome in
            let greeting = try await readGreeting(wire, context: context)
            outcome.detail = Self.describe(greeting)
            return greeting
        }
        await wire.setMaxPayload(Self.packetLimit)
        let encrypted = try await negotiateTLS(wire, greeting: greeting, context: context)
        try await authenticate(wire, greeting: greeting, encrypted: encrypted, address: dial.address, context: context)
        try await readiness(wire, greeting: greeting, context: context)
    }

    static func describe(_ greeting: MySQLGreeting) -> String {
        let flavor = greeting.isMariaDB ? "MariaDB" : "MySQL"
        var parts = [
            "\(flavor) \(greeting.displayVersion) (protocol \(greeting.protocolVersion), connection \(greeting.connectionID))"
        ]
        if let plugin = greeting.authPluginName { parts.append("default auth plugin \(plugin)") }
        parts.append(greeting.capabilities.contains(.ssl) ? "TLS offered" : "TLS not offered")
        return parts.joined(separator: ", ")
    }
}
