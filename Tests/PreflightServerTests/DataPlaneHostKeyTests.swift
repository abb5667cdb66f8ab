import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PreflightCore
import PreflightSSH
import PreflightServices
import Testing

@testable import PreflightServer

/// A saved tunnel's bastion host key met by an agent on first use is pinned on the control plane, as a
/// local ping would pin it; the next job carries the pin.
@Suite("Data planes: host keys learnt through an agent")
struct DataPlaneHostKeyTests {
    static let key = "SHA256:" + String(repeating: "q", count: 42) + "8"

    static func report(auth: StepStatus, detail: String) -> PingReport {
        PingReport(
            ok: auth == .passed, type: .postgresql, category: auth == .passed ? nil : .auth, durationMs: 9,
            dataPlane: "vpc",
            steps: [
                PingStep(name: "ssh_connect", status: .passed, durationMs: 1),
                PingStep(name: "ssh_handshake", status: .passed, durationMs: 1, detail: detail),
                PingStep(name: "ssh_auth", status: auth, durationMs: 1),
            ])
    }

    /// Runs one ping through the plane with `tunnel`, plays the agent, answers `report`; returns the job.
    static func pingThroughAgent(
        _ client: any TestClientProtocol, _ context: TestContext, token: String, tunnel: String, report: PingReport
    ) async throws -> AgentWire.Job {
        let payload = """
            {"type": "postgresql", "dataPlaneName": "vpc", "sshTunnelUUID": "\(tunnel)", "sharedConfig": \
            {"host": "db.internal", "port": 5432, "user": "app", "password": "pw-123456"}}
            """
        // The agent polls once first, so it is online when the ping looks (a ping to a plane with no agent
        // online answers at once, and would leave the polls below nothing to take).
        _ = try await DataPlaneAPITests.poll(client, token: token, agent: "agent-a")
        let ping = Task { try await client.ping(payload, headers: context.auth) }
        var job: AgentWire.Job?
        for _ in 0..<100 where job == nil {
            let answer = try await DataPlaneAPITests.poll(client, token: token, agent: "agent-a")
            if answer.status == .ok { job = try JSONDecoder().decode(AgentWire.Job.self, from: Data(answer.text.utf8)) }
        }
        let claimed = try #require(job)
        let posted = try await DataPlaneAPITests.postReport(
            client, token: token, agent: "agent-a", job: claimed.job, report: report)
        #expect(posted.status == .noContent)
        _ = try await ping.value
        return claimed
    }

    @Test("pinned once the agent got through; not from a refused login; the next job carries the pin")
    func learnt() async throws {
        try await withTestAPI(server: DataPlaneAPITests.shortPolls) { client, context in
            let created = try await client.json(.post, "/data-planes", "{\"name\": \"vpc\"}", headers: context.auth)
            let token = try #require(DataPlaneAPITests.object(created)["token"] as? String)
            let tunnel = try await client.json(.post, "/ssh-tunnels", TunnelAPITests.createBody, headers: context.auth)
                .tunnel()
            let firstUse = "host key \(Self.key) (first use: pinned now)"

            // The bastion refused our key: nothing is learnt.
            let refused = try await Self.pingThroughAgent(
                client, context, token: token, tunnel: tunnel.uuid, report: Self.report(auth: .failed, detail: firstUse)
            )
            #expect(refused.tunnel?.hostKeyFingerprint == nil)
            let afterRefusal = try await client.json(.get, "/ssh-tunnels/\(tunnel.uuid)", headers: context.auth)
                .tunnel()
            #expect(afterRefusal.hostKeyFingerprint == nil)

            // Through: pinned, and the next job carries it.
            _ = try await Self.pingThroughAgent(
                client, context, token: token, tunnel: tunnel.uuid, report: Self.report(auth: .passed, detail: firstUse)
            )
            let pinned = try await client.json(.get, "/ssh-tunnels/\(tunnel.uuid)", headers: context.auth).tunnel()
            #expect(pinned.hostKeyFingerprint == Self.key)
            let other = "SHA256:" + String(repeating: "Z", count: 43)
            let next = try await Self.pingThroughAgent(
                client, context, token: token, tunnel: tunnel.uuid,
                report: Self.report(auth: .passed, detail: "host key \(other) (first use: pinned now)"))
            #expect(next.tunnel?.hostKeyFingerprint == Self.key)
            let kept = try await client.json(.get, "/ssh-tunnels/\(tunnel.uuid)", headers: context.auth).tunnel()
            #expect(kept.hostKeyFingerprint == Self.key, "a pinned key is never replaced by a report")
        }
    }

    @Test("only a well-formed key from a passed handshake and login is read from a report")
    func parsing() {
        let good = "host key \(Self.key) (first use: pinned now)"
        #expect(SSHHostKeyLearned.fingerprint(in: Self.report(auth: .passed, detail: good)) == Self.key)
        #expect(SSHHostKeyLearned.fingerprint(in: Self.report(auth: .failed, detail: good)) == nil)
        #expect(
            SSHHostKeyLearned.fingerprint(
                in: Self.report(auth: .passed, detail: "host key \(Self.key) (matches the pinned key)")) == nil)
        #expect(
            SSHHostKeyLearned.fingerprint(
                in: Self.report(auth: .passed, detail: "host key SHA256:short (first use: pinned now)")) == nil)
        #expect(
            SSHHostKeyLearned.fingerprint(
                in: Self.report(auth: .passed, detail: "host key \(Self.key)\n (first use: pinned now)")) == nil)
    }
}
