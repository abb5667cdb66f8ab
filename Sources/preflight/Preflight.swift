import ArgumentParser
import PreflightCore

/// The `preflight` command: run the service, manage keys, or test a connector from a terminal.
@main
struct Preflight: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preflight",
        abstract: "Tells you, within seconds, whether a connector configuration will work.",
        version: "preflight \(PreflightVersion.current)",
        subcommands: [Serve.self, Keys.self, Tunnels.self, Planes.self, Agent.self, Ping.self, Bench.self]
    )
}
