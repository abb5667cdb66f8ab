public import Foundation
public import PreflightCore
public import PreflightEngine
public import PreflightNetwork
import PreflightSSH

/// Why a ping was not run (or not to its end) as asked.
public enum PingServiceError: Error, Sendable {
    /// The payload is wrong (HTTP 400, CLI exit 3); the message names the key and holds no secret.
    case invalid(InvalidConfig)
    /// Too many pings in flight (HTTP 429 with Retry-After).
    case overloaded(retryAfterSeconds: Int)
    /// The saved tunnel's private key cannot be opened with this service's master key (HTTP 500).
    case tunnelKeyUnreadable(UUID)
}

/// Runs one company's pings: resolves the payload's `sshTunnelUUID` among that company's tunnels (the
/// one place tunnels are looked up for a ping), then hands the payload to the engine. Shared by the
/// HTTP API and the CLI, so both answer a foreign or missing tunnel the same way.
public struct PingService: Sendable {
    public let engine: PingEngine
    public let tunnels: TunnelService?

    /// `tunnels` is nil where no store is open (the CLI without `--tunnel`): a payload naming a tunnel
    /// is then refused like an unknown one.
    public init(engine: PingEngine, tunnels: TunnelService?) {
        self.engine = engine
        self.tunnels = tunnels
    }

    /// Validates `payload` and runs it for `company`.
    ///
    /// A tunnel of another company is not found, exactly like a missing one; the engine then refuses
    /// the payload with its one message for that. `tunnel` is an ad-hoc bastion (the CLI's `--ssh-*`
    /// flags); it is used as given and the payload must then name no saved tunnel.
    public func ping(_ payload: ConnectorPayload, company: UUID?, tunnel: (any TunnelOpener)? = nil) async throws
        -> PingReport
    {
        var opener = tunnel
        if tunnel == nil, let uuid = payload.sshTunnelUUID, let company, let tunnels,
            let record = try await tunnels.get(uuid, company: company)
        {
            do {
                opener = try tunnels.opener(for: record)
            } catch {
                throw PingServiceError.tunnelKeyUnreadable(uuid)
            }
        }
        do {
            return try await engine.ping(payload, tunnel: opener)
        } catch {
            switch error {
            case .invalid(let invalid): throw PingServiceError.invalid(invalid)
            case .overloaded(let seconds): throw PingServiceError.overloaded(retryAfterSeconds: seconds)
            }
        }
    }
}
