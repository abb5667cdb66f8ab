import Foundation
import PreflightCore
import PreflightEngine
import PreflightGoogle
import PreflightProbeTesting
import PreflightTestSupport
import Testing

/// Peers that misbehave at the token endpoint or the API: every ping ends categorised before its
/// deadline (2 s here), and leaks nothing. On a manual clock: a peer that only the deadline can end has
/// the clock moved there; every other one must be decided with the clock never moving.
@Suite(.serialized) struct GoogleHostilePeerTests {
    static let timeout = 2.0

    /// Pings `payload` with the short deadline on a manual clock: with `atDeadline` the clock moves to the
    /// deadline once `ready()` holds; without, the ping must end with the clock never moving.
    private func ping(
        _ payload: ConnectorPayload, atDeadline: Bool = false, until ready: @escaping @Sendable () -> Bool = { true },
        runtimeSecrets: @autoclosure () -> [String] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> PingReport {
        var payload = payload
        payload.timeoutSeconds = Self.timeout
        let report = try await ProbeTesting.pingAtPeer(
            [GoogleProbeFactory()], payload, atDeadline: atDeadline, until: ready, sourceLocation: sourceLocation)
        ProbeTesting.expectNoSecrets(
            in: report, payload: payload, runtime: runtimeSecrets(), sourceLocation: sourceLocation)
        #expect(!report.ok, sourceLocation: sourceLocation)
        return report
    }

    /// A payload whose token endpoint is `tokenURL` and whose API is `apiURL`.
    private func payload(
        token tokenURL: String, api apiURL: String = "https://127.0.0.1:9", type: ConnectorType = .bigquery
    ) -> ConnectorPayload {
        GoogleTesting.payload(
            type: type, credentials: GoogleTesting.keyFile(tokenURI: tokenURL),
            extra: ["endpointURL": apiURL, "sslRootCert": TestPKI.caPEM])
    }

    @Test func silentTCPPeerAtTheTokenEndpoint() async throws {
        let peer = try await HostilePeer(.silent)
        let report = try await ping(
            payload(token: "https://127.0.0.1:\(peer.port)/token"), atDeadline: true
        ) { peer.bytesReceived > 0 }
        await peer.shutdown()
        #expect(report.category == .timeout, "\(report.summary)")
        #expect(report.step("oauth_token_tls")?.status == .failed)
    }

    @Test func tokenEndpointThatNeverAnswersTheRequest() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { _ in
            try? await Task.sleep(for: .seconds(30))
            return .json(200, "{}")
        }
        let report = try await ping(payload(token: server.endpoint + "/token"), atDeadline: true) {
            !server.requests.isEmpty
        }
        await server.stop()
        #expect(report.category == .timeout, "\(report.summary)")
        #expect(report.step("oauth_token")?.status == .failed)
    }

    @Test func bannerBeforeTheTLSHandshake() async throws {
        // A server that speaks first (SMTP): the bytes arrive before the client hello. Ending with a
        // timeout at the deadline is acceptable here; a TLS or protocol failure is better.
        let peer = try await HostilePeer(.garbage(Array("220 mail.example.com ESMTP ready\r\n".utf8)))
        let report = try await ping(payload(token: "https://127.0.0.1:\(peer.port)/token"))
        await peer.shutdown()
        #expect([.tls, .protocolMismatch, .timeout].contains(report.category), "\(report.summary)")
    }

    @Test func garbageAnswerToTheClientHello() async throws {
        let peer = try await HostilePeer(
            .replyWith(Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8)))
        let report = try await ping(payload(token: "https://127.0.0.1:\(peer.port)/token"))
        await peer.shutdown()
        #expect([.tls, .protocolMismatch].contains(report.category), "\(report.summary)")
    }

    @Test func peerThatClosesAtOnce() async throws {
        let peer = try await HostilePeer(.acceptAndClose)
        let report = try await ping(payload(token: "https://127.0.0.1:\(peer.port)/token"))
        await peer.shutdown()
        #expect(report.category != nil && report.category != .internalError, "\(report.summary)")
    }

    @Test func garbageOverHTTPSAtTheTokenEndpoint() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { _ in
            .init(
                status: 200, headers: [("Content-Type", "text/html")],
                body: "<html><body>Welcome to the captive portal</body></html>")
        }
        let report = try await ping(payload(token: server.endpoint + "/token"))
        await server.stop()
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("not JSON") == true)
    }

    @Test func hugeBodyAtTheTokenEndpoint() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { _ in
            .json(200, #"{"access_token":""# + HostilePeerCases.hugeValue + #""}"#)
        }
        let report = try await ping(payload(token: server.endpoint + "/token"))
        await server.stop()
        #expect(report.category == .protocolMismatch, "\(report.summary)")
    }

    @Test func hugeBodyFromTheAPI() async throws {
        let fake = FakeGoogle.standard()
        let server = try await ScriptedHTTPServer.start(tls: true) { request in
            request.pathOnly == "/token"
                ? fake.handle(request)
                : .json(
                    200,
                    #"{"kind":"bigquery#datasetList","etag":""# + String(repeating: "B", count: 900 * 1024) + #""}"#)
        }
        let report = try await ping(
            payload(token: server.endpoint + "/token", api: server.endpoint), runtimeSecrets: fake.issuedTokens)
        await server.stop()
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.step("oauth_token")?.status == .passed)
    }

    @Test func silentAPIAfterTheToken() async throws {
        let fake = FakeGoogle.standard()
        let api = try await HostilePeer(.silent)
        let token = try await ScriptedHTTPServer.start(tls: true) { request in fake.handle(request) }
        let report = try await ping(
            payload(token: token.endpoint + "/token", api: "https://127.0.0.1:\(api.port)", type: .gcs),
            atDeadline: true, until: { api.bytesReceived > 0 }, runtimeSecrets: fake.issuedTokens)
        await token.stop()
        await api.shutdown()
        #expect(report.category == .timeout, "\(report.summary)")
        #expect(report.step("oauth_token")?.status == .passed)
    }

    @Test func apiThatEchoesTheTokenAndTheAssertion() async throws {
        // A hostile API puts everything it was sent into its error; none of it may reach the report.
        let fake = FakeGoogle.standard()
        let server = try await ScriptedHTTPServer.start(tls: true) { request in
            if request.pathOnly == "/token" { return fake.handle(request) }
            let echoed =
                (request.header("Authorization") ?? "") + " "
                + fake.seenAssertions.withLock { $0.joined(separator: " ") }
            return FakeGoogle.apiError(403, "denied: \(echoed)", status: "PERMISSION_DENIED", reason: "accessDenied")
        }
        let report = try await ping(
            payload(token: server.endpoint + "/token", api: server.endpoint),
            runtimeSecrets: fake.issuedTokens + fake.seenAssertions.withLock { $0 })
        await server.stop()
        #expect(report.category == .permission, "\(report.summary)")
        #expect(report.message?.contains("[redacted]") == true)
    }

    @Test func tokenEndpointThatEchoesTheAssertion() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { request in
            FakeGoogle.oauthError("invalid_grant", "cannot use " + (request.form["assertion"] ?? ""))
        }
        let sent = { server.requests.compactMap { $0.form["assertion"] } }
        let report = try await ping(payload(token: server.endpoint + "/token"))
        ProbeTesting.expectNoSecrets(in: report, payload: payload(token: server.endpoint + "/token"), runtime: sent())
        await server.stop()
        #expect(report.category == .auth, "\(report.summary)")
        #expect(!sent().isEmpty)
    }

    @Test func plantedKeyNeverInAFailedReport() async throws {
        // A wrong key, a refused token, a missing project: the key file and the key itself stay out of every report.
        let fake = FakeGoogle.standard()
        let server = try await ScriptedHTTPServer.start(tls: true) { request in fake.handle(request) }
        for payload in [
            GoogleTesting.payload(for: server, key: GoogleTestKeys.other),
            GoogleTesting.payload(for: server, projectID: "ghost-project"),
            GoogleTesting.payload(for: server, type: .gcs, extra: ["bucket": "acme-closed"]),
        ] {
            let report = try await ping(payload, runtimeSecrets: fake.issuedTokens)
            #expect(report.category != nil)
        }
        await server.stop()
    }
}
