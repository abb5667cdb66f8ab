import ArgumentParser
import PreflightCore
import PreflightEngine
import PreflightNetwork

/// Options shared by every command that runs pings.
struct EngineOptions: ParsableArguments {
    @Option(name: .customLong("timeout"), help: "Deadline of one ping in seconds (a payload may only shorten it).")
    var timeoutSeconds: Double = 15

    @Option(
        name: .customLong("allow-cidr"),
        help: "Comma-separated CIDR blocks that may be dialled (default: any not denied).")
    var allowCIDRs: String?

    @Option(
        name: .customLong("deny-cidr"),
        help: "Comma-separated CIDR blocks never dialled, besides link-local and metadata addresses.")
    var denyCIDRs: String?

    /// The engine's configuration. `allowLoopback` false (the service's default) also refuses this host's
    /// own interface addresses.
    func engineConfiguration(allowLoopback: Bool = true, planeName: String = "local", maxInFlight: Int = 1024) throws
        -> EngineConfiguration
    {
        guard timeoutSeconds > 0, timeoutSeconds <= 600 else {
            throw ValidationError("--timeout must be between 0 and 600 seconds")
        }
        guard maxInFlight >= 1 else { throw ValidationError("--max-in-flight must be at least 1") }
        let egress: EgressPolicy
        do {
            egress = try EgressPolicy.parse(
                allow: allowCIDRs, deny: denyCIDRs, allowLoopback: allowLoopback,
                localAddresses: allowLoopback ? [] : EgressPolicy.hostAddresses())
        } catch {
            throw ValidationError("\(error)")
        }
        return EngineConfiguration(
            planeName: planeName, defaultTimeout: .milliseconds(Int64(timeoutSeconds * 1000)),
            egress: egress, maxInFlight: maxInFlight)
    }
}

/// What only the service decides: its data plane's name and how many pings it runs at once.
struct ServiceOptions: ParsableArguments {
    @Option(
        name: .customLong("egress-ips"),
        help:
            "Comma-separated public addresses this service's pings come from (its NAT): named in connect timeouts and in /healthz, so users know what to allowlist."
    )
    var egressIPs: String?

    /// `--egress-ips`, validated as IP addresses.
    func egressAddresses() throws -> [String] {
        guard let egressIPs else { return [] }
        return try egressIPs.split(separator: ",").map { entry in
            let text = entry.trimmingCharacters(in: .whitespaces)
            guard IPAddress(text) != nil else {
                throw ValidationError("--egress-ips: \"\(text)\" is not an IP address")
            }
            return text
        }
    }

    @Option(name: .customLong("plane"), help: "This service's data plane name.")
    var planeName = "local"

    @Option(name: .customLong("max-in-flight"), help: "Pings running at once; more are refused with 429.")
    var maxInFlight = 1024
}
