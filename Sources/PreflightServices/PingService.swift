public import Foundation
public import PreflightCore
public import PreflightEngine
public import PreflightNetwork
import PreflightSSH
import PreflightStore
import Synchronization

/// Why a ping was not run (or not to its end) as asked.
public enum PingServiceError: Error, Sendable {
    /// The payload is wrong (HTTP 400, CLI exit 3); the message names the key and holds no secret.
    case invalid(InvalidConfig)
    /// Too many pings in flight (HTTP 429 with Retry-After).
    case overloaded(retryAfterSeconds: Int)
    /// This company already has its share of the pings in flight (HTTP 429 with Retry-After).
    case companyOverloaded(limit: Int, retryAfterSeconds: Int)
    /// The saved tunnel's private key cannot be opened with this service's master key (HTTP 500).
    case tunnelKeyUnreadable(UUID)
}

/// Runs one company's pings: resolves the payload's `sshTunnelUUID` among that company's tunnels (the
/// one place tunnels are looked up for a ping), then hands the payload to the engine. Shared by the
/// HTTP API and the CLI, so both answer a foreign or missing tunnel the same way.
public struct PingService: Sendable {
    public let engine: PingEngine
    public let tunnels: TunnelService?
    /// The company's data planes; nil where no store is open (the CLI), and then only the engine's own
    /// plane exists.
    public let planes: PlaneService?
    private let admission: CompanyAdmission

    /// `tunnels` is nil where no store is open (the CLI without `--tunnel`): a payload naming a tunnel
    /// is then refused like an unknown one. One company may have at most `maxInFlightPerCompany` pings
    /// running at once (default: a quarter of the engine's places), so no company takes every place.
    public init(
        engine: PingEngine, tunnels: TunnelService?, planes: PlaneService? = nil, maxInFlightPerCompany: Int? = nil
    ) {
        self.engine = engine
        self.tunnels = tunnels
        self.planes = planes
        self.admission = CompanyAdmission(
            limit: maxInFlightPerCompany ?? max(1, engine.configuration.maxInFlight / 4))
    }

    /// Validates `payload` and runs it for `company`.
    ///
    /// A tunnel of another company is not found, exactly like a missing one; the engine then refuses
    /// the payload with its one message for that. `tunnel` is an ad-hoc bastion (the CLI's `--ssh-*`
    /// flags); it is used as given and the payload must then name no saved tunnel.
    public func ping(
        _ payload: ConnectorPayload, company: UUID?, tunnel: (any TunnelOpener)? = nil,
        events: (@Sendable (PingEvent) -> Void)? = nil
    ) async throws -> PingReport {
        if let company {
            guard admission.acquire(company) else {
                throw PingServiceError.companyOverloaded(limit: admission.limit, retryAfterSeconds: 1)
            }
        }
        defer { if let company { admission.release(company) } }
        if tunnel == nil, let company, let planes,
            let remote = try await remotePlane(of: payload, company: company, planes: planes)
        {
            return try await dispatch(payload, to: remote, company: company, planes: planes)
        }
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
            return try await engine.ping(payload, tunnel: opener, events: events)
        } catch {
            switch error {
            case .invalid(let invalid): throw PingServiceError.invalid(invalid)
            case .overloaded(let seconds): throw PingServiceError.overloaded(retryAfterSeconds: seconds)
            }
        }
    }
}

extension PingService {
    /// The company's plane the payload runs on when it is not the engine's own: the payload's
    /// `dataPlaneName`, else the company's default. An unknown name is refused like today.
    func remotePlane(of payload: ConnectorPayload, company: UUID, planes: PlaneService) async throws
        -> DataPlaneRecord?
    {
        let local = engine.configuration.planeName
        if payload.dataPlaneName == local { return nil }
        let name: String
        if let named = payload.dataPlaneName {
            name = named
        } else {
            name = try await planes.defaultPlane(company: company)
            if name == local { return nil }
        }
        guard let plane = try await planes.plane(named: name, company: company) else {
            let known = try await planes.knownNames(company: company)
            throw PingServiceError.invalid(
                InvalidConfig(
                    "unknown dataPlaneName \"\(name.prefix(60))\"; known planes: \(known.joined(separator: ", "))"))
        }
        return plane
    }

    /// Validates the payload here (a bad one is a 400 without bothering an agent), opens a saved
    /// tunnel's key for the agent, and hands the ping to the plane.
    func dispatch(_ payload: ConnectorPayload, to plane: DataPlaneRecord, company: UUID, planes: PlaneService)
        async throws -> PingReport
    {
        var wireTunnel: AgentWire.Tunnel?
        var opener: (any TunnelOpener)?
        if let uuid = payload.sshTunnelUUID, let tunnels, let record = try await tunnels.get(uuid, company: company) {
            do {
                opener = try tunnels.opener(for: record)
                let raw = try tunnels.sealer.openPrivateKey(of: record)
                wireTunnel = AgentWire.Tunnel(
                    uuid: record.uuid, name: record.name, host: record.host, port: record.port,
                    username: record.username, publicKey: record.publicKey, privateKeyRaw: raw,
                    hostKeyFingerprint: record.hostKeyFingerprint)
            } catch {
                throw PingServiceError.tunnelKeyUnreadable(uuid)
            }
        }
        var local = payload
        local.dataPlaneName = nil
        do { _ = try engine.prepare(local, tunnel: opener) } catch { throw PingServiceError.invalid(error) }
        var timeout = engine.configuration.defaultTimeout
        if let seconds = payload.timeoutSeconds, seconds * 1000 < timeout.milliseconds {
            timeout = .milliseconds(Int64(seconds * 1000))
        }
        let report = try await planes.dispatch(payload, plane: plane, tunnel: wireTunnel, timeout: timeout)
        // The agent met an unpinned bastion's host key and got through: pin it, as a local ping would have.
        if let wireTunnel, wireTunnel.hostKeyFingerprint == nil, let tunnels,
            let key = SSHHostKeyLearned.fingerprint(in: report)
        {
            await tunnels.learnHostKey(wireTunnel.uuid, company: company, fingerprint: key)
        }
        return report
    }
}

/// How many pings each company has running, against its share.
final class CompanyAdmission: Sendable {
    let limit: Int
    private let running = Mutex<[UUID: Int]>([:])

    init(limit: Int) { self.limit = limit }

    func acquire(_ company: UUID) -> Bool {
        running.withLock { counts in
            let now = counts[company, default: 0]
            guard now < limit else { return false }
            counts[company] = now + 1
            return true
        }
    }

    func release(_ company: UUID) {
        running.withLock { counts in
            let left = counts[company, default: 1] - 1
            counts[company] = left > 0 ? left : nil
        }
    }
}
