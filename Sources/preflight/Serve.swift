import ArgumentParser
import Foundation
import Logging
import PreflightCore
import PreflightEngine
import PreflightLogging
import PreflightNetwork
import PreflightProbes
import PreflightServer
import PreflightServices
import PreflightStore

/// `preflight serve`: the HTTP API. On an empty store it creates a company and prints one bootstrap key.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP API (POST /connectors/ping, /healthz, /metrics).")

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @Option(
        name: .customLong("health-port"),
        help:
            "Also serve GET /healthz on this port (same --host), on a thread of its own: answered at once however busy the API is. For load balancers and Kubernetes probes; 0 picks a free port."
    )
    var healthPort: Int?

    @OptionGroup var storeOptions: StoreOptions

    @OptionGroup var engineOptions: EngineOptions

    @OptionGroup var serviceOptions: ServiceOptions

    @Flag(
        help:
            "Let pings dial this host itself (loopback and its own addresses). Off by default: a tenant must not reach services that listen only for this host."
    )
    var allowLoopback = false

    @Flag(
        name: .customLong("trust-forwarded-for"),
        help:
            "Show an agent's address from X-Forwarded-For (only behind a proxy that sets that header itself); otherwise the connection's peer address is shown."
    )
    var trustForwardedFor = false

    @Flag(help: "Serve GET /metrics without an API key (for a Prometheus on a private network).")
    var publicMetrics = false

    @Flag(
        help:
            "Lend this service's own AWS identity (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) to assume connector roles given without keys; such a role must require an external ID."
    )
    var awsAmbientCredentials = false

    @Option(help: "Where AssumeRole with this service's identity goes instead of sts.REGION.amazonaws.com.")
    var awsStsEndpoint: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(
        name: .customLong("key-cache-seconds"),
        help:
            "How long an API key the store accepted is trusted without asking the store again; a revoked key stops working within this time (0 asks every time)."
    )
    var keyCacheSeconds: Double = 1

    @Flag(
        name: .customLong("task-pool"),
        help: ArgumentHelp(
            "Run connections and probes on Swift's global task pool instead of their sockets' event loops (for comparison).",
            visibility: .hidden))
    var taskPool = false

    @Option(
        name: .customLong("agent-poll-seconds"),
        help: ArgumentHelp("How long an agent's poll waits for a ping before answering 204.", visibility: .hidden))
    var agentPollSeconds: Double = 20

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        PreflightLogging.bootstrap(level: level, batched: true)
        let logger = Logger(label: "preflight")
        guard (0...65535).contains(port) else {
            throw ValidationError("--port must be from 0 (any free port) to 65535")
        }
        if let healthPort, !(0...65535).contains(healthPort) || (healthPort == port && port != 0) {
            throw ValidationError("--health-port must be from 0 (any free port) to 65535, and not --port")
        }
        let store = try await storeOptions.open(logger: logger)
        // The master key first: a key printed before a start that then fails would be lost.
        let sealer = try storeOptions.sealer(logger: logger)
        if let issued = try await KeyService(store: store).bootstrapIfEmpty() {
            print(
                "Created company \"default\" (\(issued.company.uuid.uuidString.lowercased())). Its API key, shown only this once:"
            )
            print(issued.secret)
            fflush(nil)
        }
        bootstrapMetrics()
        var engineConfiguration = try engineOptions.engineConfiguration(
            allowLoopback: allowLoopback, planeName: serviceOptions.planeName, maxInFlight: serviceOptions.maxInFlight)
        engineConfiguration.egressAddresses = try serviceOptions.egressAddresses()
        engineConfiguration.probesOnEventLoop = !taskPool
        engineConfiguration.finishedLogLevel = .debug  // the access line of each request says the same
        let engine = PingEngine(
            configuration: engineConfiguration,
            logger: Logger(label: "preflight.engine"),
            factories: try factories(logger: logger))
        let drain = ShutdownDrain()
        guard agentPollSeconds >= 0.1, agentPollSeconds <= 50 else {
            throw ValidationError("--agent-poll-seconds must be from 0.1 to 50")
        }
        guard keyCacheSeconds >= 0, keyCacheSeconds <= 300 else {
            throw ValidationError("--key-cache-seconds must be from 0 to 300")
        }
        var serverConfiguration = ServerConfiguration(host: host, port: port, metricsRequireAuth: !publicMetrics)
        serverConfiguration.apiKeyCacheTTL = .milliseconds(Int64(keyCacheSeconds * 1000))
        serverConfiguration.agentPollHold = .milliseconds(Int64(agentPollSeconds * 1000))
        serverConfiguration.trustForwardedFor = trustForwardedFor
        serverConfiguration.connectionsOnEventLoop = !taskPool
        serverConfiguration.healthPort = healthPort
        let app = buildApplication(
            configuration: serverConfiguration,
            engine: engine, store: store, sealer: sealer,
            logger: logger, drain: drain)
        logger.info("starting", metadata: ["address": "\(host):\(port)", "plane": "\(serviceOptions.planeName)"])
        do {
            // SIGTERM/SIGINT drain: the pings running finish (each within its deadline, at most the
            // default timeout), new requests get 503, then the process exits 0.
            try await runUntilTerminated(
                app, drain: drain, drainTimeout: engineConfiguration.defaultTimeout + .seconds(5), logger: logger)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
        logger.notice("stopped")
    }

    /// The registry's factories with the operator's choices (lending the AWS identity or not).
    private func factories(logger: Logger) throws -> [any ProbeFactory] {
        do {
            let factories = try ProbeRegistry.factories(
                lendAWSIdentity: awsAmbientCredentials, environment: ProcessInfo.processInfo.environment,
                stsEndpointURL: awsStsEndpoint)
            if awsAmbientCredentials {
                logger.notice("lending this service's AWS identity to assume connector roles (external ID required)")
            }
            return factories
        } catch let error as InvalidConfig {
            throw ValidationError("--aws-ambient-credentials: \(error.message)")
        }
    }
}

/// `--store`: where companies and keys live.
struct StoreOptions: ParsableArguments {
    @Option(
        help:
            "sqlite:PATH (default sqlite:./preflight.sqlite) or postgres://user@host:port/db; PREFLIGHT_STORE gives it instead (keeps a password out of the process list), and PREFLIGHT_STORE_PASSWORD the password of a postgres:// store"
    )
    var store: String?

    /// The store's location: `--store`, else `PREFLIGHT_STORE`, else the embedded default; a postgres://
    /// location without a password takes `PREFLIGHT_STORE_PASSWORD`.
    var location: String {
        let environment = ProcessInfo.processInfo.environment
        var text =
            store ?? environment["PREFLIGHT_STORE"].flatMap { $0.isEmpty ? nil : $0 } ?? "sqlite:./preflight.sqlite"
        if let password = environment["PREFLIGHT_STORE_PASSWORD"], !password.isEmpty, text.hasPrefix("postgres"),
            let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@"),
            !text[scheme.upperBound..<at].contains(":")
        {
            let encoded = password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? password
            text.insert(contentsOf: ":" + encoded, at: at)
        }
        return text
    }

    @Option(
        name: .customLong("master-key-file"),
        help:
            "The key that encrypts stored secrets (created with mode 0600 if missing); PREFLIGHT_MASTER_KEY (base64 of 32 bytes) overrides it."
    )
    var masterKeyFile = "./preflight.key"

    /// The sealer for stored secrets, from PREFLIGHT_MASTER_KEY or the key file.
    func sealer(logger: Logger) throws -> SecretSealer {
        let key: MasterKey
        do { key = try MasterKey.load(file: masterKeyFile) } catch { throw ValidationError("master key: \(error)") }
        if key.wasCreated { logger.notice("created a new master key", metadata: ["file": "\(masterKeyFile)"]) }
        return SecretSealer(key)
    }

    func open(logger: Logger) async throws -> any PreflightStore {
        let location: StoreLocation
        do { location = try StoreLocation.parse(self.location) } catch { throw ValidationError("--store: \(error)") }
        return try await StoreFactory.open(location, logger: logger)
    }

}
