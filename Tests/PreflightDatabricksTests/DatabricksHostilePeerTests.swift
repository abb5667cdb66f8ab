import Foundation
import PreflightCore
import PreflightDatabricks
import PreflightEngine
import PreflightTestSupport
import Testing

/// Peers that are not Databricks: every ping ends categorised within its deadline, with no secret in the report.
@Suite("Databricks against hostile peers")
struct DatabricksHostilePeerTests {
    static let timeout = 1.5

    func ping(_ host: String, oauth: Bool = false) async throws -> PingReport {
        let payload =
            oauth
            ? DatabricksTesting.payload(
                host: host, clientID: DatabricksTesting.clientID, clientSecret: DatabricksTesting.clientSecret,
                timeoutSeconds: Self.timeout)
            : DatabricksTesting.payload(host: host, pat: DatabricksTesting.pat, timeoutSeconds: Self.timeout)
        let report = try await DatabricksTesting.ping(DatabricksTesting.engine(), payload)
        #expect(report.durationMs < (Self.timeout + 1) * 1000, "\(report.durationMs) ms")
        return report
    }

    @Test("silent peer: timeout", arguments: [false, true])
    func silent(oauth: Bool) async throws {
        let peer = try await HostilePeer(.silent)
        defer { Task { await peer.shutdown() } }
        let report = try await ping("http://127.0.0.1:\(peer.port)", oauth: oauth)
        #expect(report.category == .timeout, "\(report.summary)")
    }

    @Test("silent peer behind https: timeout")
    func silentTLS() async throws {
        let peer = try await HostilePeer(.silent)
        defer { Task { await peer.shutdown() } }
        let report = try await ping("https://127.0.0.1:\(peer.port)")
        #expect(report.category == .timeout, "\(report.summary)")
    }

    @Test("garbage, an SSH banner, a flood: protocol_mismatch", arguments: HostilePeerCases.notHTTP)
    func garbage(behaviour: HostilePeer.Behaviour) async throws {
        let peer = try await HostilePeer(behaviour)
        defer { Task { await peer.shutdown() } }
        let report = try await ping("http://127.0.0.1:\(peer.port)")
        #expect(report.category == .protocolMismatch, "\(report.summary)")
    }

    @Test(
        "a peer that closes early: categorised, not hung",
        arguments: HostilePeerCases.closesEarly(jsonStart: #"{"access_token":"#))
    func closesEarly(behaviour: HostilePeer.Behaviour) async throws {
        let peer = try await HostilePeer(behaviour)
        defer { Task { await peer.shutdown() } }
        let report = try await ping("http://127.0.0.1:\(peer.port)", oauth: true)
        #expect([.protocolMismatch, .serverUnavailable, .unreachable].contains(report.category), "\(report.summary)")
    }

    @Test("a huge body: protocol_mismatch")
    func hugeBody() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { _ in
            .json(200, #"{"state":""# + HostilePeerCases.hugeValue + #""}"#)
        }
        defer { Task { await server.stop() } }
        let report = try await ping(server.endpoint)
        #expect(report.category == .protocolMismatch, "\(report.summary)")
    }

    @Test("an HTML answer (the wrong host, a login page): protocol_mismatch", arguments: [false, true])
    func html(oauth: Bool) async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { _ in
            HostilePeerCases.htmlPage(title: "Databricks - Sign In")
        }
        defer { Task { await server.stop() } }
        let report = try await ping(server.endpoint, oauth: oauth)
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.hint?.contains("sharedConfig.host") == true)
    }

    @Test("a peer that echoes the request back in an error: no secret in the report", arguments: [false, true])
    func echo(oauth: Bool) async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { request in
            if request.pathOnly == "/oidc/v1/token" {
                return .json(
                    200, #"{"access_token":"planted-issued-access-token-42","token_type":"Bearer","expires_in":3600}"#)
            }
            let echoed = HostilePeerCases.echoed(request)
            return .json(403, #"{"error_code":"PERMISSION_DENIED","message":"\#(echoed)"}"#)
        }
        defer { Task { await server.stop() } }
        let payload =
            oauth
            ? DatabricksTesting.payload(
                host: server.endpoint, clientID: DatabricksTesting.clientID,
                clientSecret: DatabricksTesting.clientSecret)
            : DatabricksTesting.payload(host: server.endpoint, pat: DatabricksTesting.pat)
        let report = try await DatabricksTesting.ping(
            DatabricksTesting.engine(), payload, runtimeSecrets: ["planted-issued-access-token-42"])
        #expect(report.category == .permission, "\(report.summary)")
    }

    @Test("an untrusted certificate: tls")
    func untrusted() async throws {
        let fake = DatabricksTesting.fake()
        let server = try await DatabricksTesting.start(fake)
        defer { Task { await server.stop() } }
        let report = try await DatabricksTesting.ping(
            DatabricksTesting.engine(),
            DatabricksTesting.payload(host: server.endpoint, pat: DatabricksTesting.pat, caPEM: nil))
        #expect(report.category == .tls, "\(report.summary)")
        #expect(server.requests.isEmpty)
    }
}
