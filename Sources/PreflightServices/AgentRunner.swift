public import Foundation
public import PreflightCore
public import PreflightEngine
import PreflightNetwork
import PreflightSSH

/// Runs a job handed to an agent on the agent's own engine (its DNS, egress policy and TLS roots, and
/// the SSH tunnel from its side), and returns the redacted report, marked with the plane and agent.
public struct AgentRunner: Sendable {
    public let engine: PingEngine
    public let agentID: String
    /// Authenticated bastion connections shared by this agent's pings through the same tunnel (as on
    /// the control plane).
    public let sessions: SSHSessionPool

    public init(engine: PingEngine, agentID: String, sessions: SSHSessionPool = SSHSessionPool()) {
        self.engine = engine
        self.agentID = agentID
        self.sessions = sessions
    }

    /// The report of `job`. Never throws: a job the agent cannot run is reported as such.
    public func run(_ job: AgentWire.Job) async -> PingReport {
        let start = ContinuousClock.now
        var redactor = Redactor(secrets: [])
        var type = ConnectorType.postgresql
        var report: PingReport
        do {
            var payload = try ConnectorPayload.decode(job.payload)
            type = payload.type
            redactor = Redactor(config: payload.sharedConfig)
            payload.dataPlaneName = nil
            payload.timeoutSeconds = job.timeoutSeconds
            var opener: SSHTunnelOpener?
            if let tunnel = job.tunnel {
                let key = try SSHKeyPair(privateKeyRaw: tunnel.privateKeyRaw, comment: "").nioKey()
                opener = SSHTunnelOpener(
                    spec: SSHTunnelSpec(
                        host: tunnel.host, port: tunnel.port, username: tunnel.username, privateKey: key,
                        authorizedKey: tunnel.publicKey, pinnedHostKey: tunnel.hostKeyFingerprint,
                        label: "tunnel \(tunnel.uuid.uuidString.lowercased()) (\(tunnel.name))",
                        acceptHostKeyHint:
                            "POST /ssh-tunnels/\(tunnel.uuid.uuidString.lowercased())/trust-host-key on the control plane"
                    ), sessions: sessions)
            }
            report = try await engine.ping(payload, tunnel: opener)
        } catch let error as PingRequestError {
            report = Self.failure(error, type: type, since: start)
        } catch let invalid as InvalidConfig {
            report = Self.failure(.invalid(invalid), type: type, since: start)
        } catch {
            report = PingReport(
                ok: false, type: type, category: .internalError, transient: true,
                message: "the agent could not run the ping: \(Swift.type(of: error))",
                durationMs: (ContinuousClock.now - start).milliseconds, dataPlane: job.plane)
        }
        report.dataPlane = job.plane
        report.agent = agentID
        return redactor.redact(report)
    }

    private static func failure(_ error: PingRequestError, type: ConnectorType, since start: ContinuousClock.Instant)
        -> PingReport
    {
        switch error {
        case .invalid(let invalid):
            return PingReport(
                ok: false, type: type, category: .invalidConfig, transient: false, message: invalid.message,
                durationMs: (ContinuousClock.now - start).milliseconds, dataPlane: "")
        case .overloaded:
            return PingReport(
                ok: false, type: type, category: .dataPlaneUnavailable, transient: true,
                message: "the agent runs too many pings at once; add agents to this data plane",
                durationMs: (ContinuousClock.now - start).milliseconds, dataPlane: "")
        }
    }
}
