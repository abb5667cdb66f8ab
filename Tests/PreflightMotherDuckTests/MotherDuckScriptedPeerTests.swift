import Foundation
import PreflightCore
import PreflightMotherDuck
import PreflightProbeTesting
import PreflightTestSupport
import Testing

/// The token check against `ScriptedHTTPServer` answering as MotherDuck's REST API does (api.motherduck.com
/// cannot be reached from the tests): GET /v1/users/{username}/tokens with a Bearer token.
@Suite(.serialized)
struct MotherDuckScriptedPeerTests {
    let engine = MotherDuckTesting.engine(timeout: .seconds(5))

    /// Knows alice's token `good`; `revoked` answers 401; a Read Scaling token answers 403.
    static func api(good: String, readScaling: String? = nil)
        -> @Sendable (ScriptedHTTPServer.Request) async -> ScriptedHTTPServer.Response
    {
        { request in
            let bearer = request.header("Authorization")
            if let readScaling, bearer == "Bearer \(readScaling)" {
                return .json(403, #"{"message":"Unauthorized","code":"FORBIDDEN"}"#)
            }
            guard bearer == "Bearer \(good)" else {
                return .json(401, #"{"message":"Invalid Credentials","code":"UNAUTHORIZED"}"#)
            }
            guard request.method == "GET", request.path == "/v1/users/alice/tokens" else {
                return .json(404, #"{"message":"Not Found","code":"NOT_FOUND"}"#)
            }
            return .json(
                200,
                #"{"tokens":[{"id":"3fa85f64-5717-4562-b3fc-2c963f66afa6","name":"artie","created_ts":"2026-01-01T00:00:00Z","read_only":false,"token_type":"read_write"},{"id":"9b2f3c1e-0000-4000-8000-000000000001","name":"ci","created_ts":"2026-02-01T00:00:00Z","read_only":false,"token_type":"read_write"}]}"#
            )
        }
    }

    @Test func goodTokenIsProved() async throws {
        let token = MotherDuckTesting.token()
        let server = try await ScriptedHTTPServer.start(tls: true, handler: Self.api(good: token))
        defer { Task { await server.stop() } }
        let report = try await MotherDuckTesting.ping(
            engine, MotherDuckTesting.payload(token: token, endpoint: server.endpoint))
        #expect(report.ok, "\(report.summary)")
        #expect(
            report.step("token_claims")?.detail?.contains("a MotherDuck token for alice (alice@example.com), expires")
                == true,
            "\(report.summary)")
        #expect(report.step("tls")?.detail?.contains("certificate verified") == true)
        #expect(
            report.step("api")?.detail
                == "MotherDuck accepted the token of alice (alice@example.com) (2 access tokens on the account)",
            "\(report.summary)")
        #expect(server.requests.count == 1)
        #expect(server.requests.first?.method == "GET")
    }

    @Test func expiredTokenFailsWithoutARequest() async throws {
        let token = MotherDuckTesting.token(expiresIn: -3600)
        let server = try await ScriptedHTTPServer.start(tls: true, handler: Self.api(good: token))
        defer { Task { await server.stop() } }
        let report = try await MotherDuckTesting.ping(
            engine, MotherDuckTesting.payload(token: token, endpoint: server.endpoint))
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.message?.contains("expired") == true)
        #expect(report.message?.contains("no request was sent") == true)
        #expect(report.step("token_claims")?.status == .failed)
        #expect(server.requests.isEmpty)
    }

    @Test func soonExpiringTokenWarns() async throws {
        let token = MotherDuckTesting.token(expiresIn: 2 * 86_400)
        let server = try await ScriptedHTTPServer.start(tls: true, handler: Self.api(good: token))
        defer { Task { await server.stop() } }
        let report = try await MotherDuckTesting.ping(
            engine, MotherDuckTesting.payload(token: token, endpoint: server.endpoint))
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("token_claims")?.status == .warning)
    }

    /// A token that is not a JWT is a 400 (the engine throws before any step), never quoted.
    @Test func malformedTokenIsInvalidConfig() async throws {
        do {
            _ = try await engine.ping(MotherDuckTesting.payload(token: "md-Planted-Not-A-JWT-Token", endpoint: nil))
            Issue.record("a malformed token was accepted")
        } catch {
            #expect("\(error)".contains("sharedConfig.token is not a MotherDuck access token"))
            #expect(!"\(error)".contains("Planted"))
        }
    }

    @Test func revokedTokenIsAuth() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true, handler: Self.api(good: MotherDuckTesting.token()))
        defer { Task { await server.stop() } }
        let report = try await MotherDuckTesting.ping(
            engine, MotherDuckTesting.payload(token: MotherDuckTesting.token(), endpoint: server.endpoint))
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.message?.contains("UNAUTHORIZED: Invalid Credentials") == true, "\(report.summary)")
        #expect(report.step("api")?.status == .failed)
    }

    @Test func refusedCallIsPermission() async throws {
        let scaling = MotherDuckTesting.token()
        let server = try await ScriptedHTTPServer.start(
            tls: true, handler: Self.api(good: MotherDuckTesting.token(), readScaling: scaling))
        defer { Task { await server.stop() } }
        let report = try await MotherDuckTesting.ping(
            engine, MotherDuckTesting.payload(token: scaling, endpoint: server.endpoint))
        #expect(report.category == .permission, "\(report.summary)")
        #expect(report.hint?.contains("Read/Write") == true)
        #expect(report.check("token_type")?.status == .failed, "\(report.summary)")
        #expect(report.step("readiness")?.status == .failed)
    }

    @Test func aReadScalingClaimFailsWithoutARequest() async throws {
        var claims: [String: JSONValue] = ["username": .string("alice"), "token_type": .string("read_scaling")]
        let scaling = MotherDuckTesting.token(claims)
        claims["token_type"] = nil
        claims["readOnly"] = .bool(true)
        let readOnly = MotherDuckTesting.token(claims)
        let server = try await ScriptedHTTPServer.start(tls: true, handler: Self.api(good: scaling))
        defer { Task { await server.stop() } }
        for token in [scaling, readOnly] {
            let report = try await MotherDuckTesting.ping(
                engine, MotherDuckTesting.payload(token: token, endpoint: server.endpoint))
            #expect(report.category == .permission, "\(report.summary)")
            let check = try #require(report.check("token_type"), "\(report.summary)")
            #expect(check.observed == "a Read Scaling token of alice (its claims say so)")
            #expect(check.fix?.contains("type Read/Write") == true)
            #expect(report.hint?.contains("create a Read/Write access token") == true, "\(report.summary)")
        }
        #expect(server.requests.isEmpty, "decided from the claims alone")
    }

    @Test func anAcceptedTokenIsReadWrite() async throws {
        let token = MotherDuckTesting.token()
        let server = try await ScriptedHTTPServer.start(tls: true, handler: Self.api(good: token))
        defer { Task { await server.stop() } }
        let report = try await MotherDuckTesting.ping(
            engine, MotherDuckTesting.payload(token: token, endpoint: server.endpoint))
        #expect(report.ok, "\(report.summary)")
        #expect(report.check("token_type")?.status == .passed)
        #expect(report.check("token_type")?.observed.hasPrefix("Read/Write: MotherDuck's REST API") == true)
    }

    @Test func tokenWithoutUsernameIsNotProved() async throws {
        let token = MotherDuckTesting.token(username: nil)
        let server = try await ScriptedHTTPServer.start(tls: true, handler: Self.api(good: token))
        defer { Task { await server.stop() } }
        let report = try await MotherDuckTesting.ping(
            engine, MotherDuckTesting.payload(token: token, endpoint: server.endpoint))
        #expect(report.step("api")?.status == .warning, "\(report.summary)")
        #expect(server.requests.isEmpty)
    }

    @Test func untrustedCertificateIsTLS() async throws {
        let token = MotherDuckTesting.token()
        let server = try await ScriptedHTTPServer.start(tls: true, handler: Self.api(good: token))
        defer { Task { await server.stop() } }
        let report = try await MotherDuckTesting.ping(
            engine, MotherDuckTesting.payload(token: token, endpoint: server.endpoint, caPEM: nil))
        #expect(report.category == .tls, "\(report.summary)")
        #expect(server.requests.isEmpty)
    }

    @Test func otherAnswersAreCategorised() async throws {
        let token = MotherDuckTesting.token()
        let html = try await ScriptedHTTPServer.start(tls: true) { _ in
            .init(status: 200, headers: [("Content-Type", "text/html")], body: "<html>hello</html>")
        }
        defer { Task { await html.stop() } }
        let notAPI = try await MotherDuckTesting.ping(
            engine, MotherDuckTesting.payload(token: token, endpoint: html.endpoint))
        #expect(notAPI.category == .protocolMismatch, "\(notAPI.summary)")

        let down = try await ScriptedHTTPServer.start(tls: true) { _ in
            .json(503, #"{"message":"Service Unavailable","code":"INTERNAL_SERVER_ERROR"}"#)
        }
        defer { Task { await down.stop() } }
        let unavailable = try await MotherDuckTesting.ping(
            engine, MotherDuckTesting.payload(token: token, endpoint: down.endpoint))
        #expect(unavailable.category == .serverUnavailable, "\(unavailable.summary)")

        let echo = try await ScriptedHTTPServer.start(tls: true) { request in
            .json(401, #"{"message":"bad token \#(request.header("Authorization") ?? "")","code":"UNAUTHORIZED"}"#)
        }
        defer { Task { await echo.stop() } }
        let echoed = try await MotherDuckTesting.ping(
            engine, MotherDuckTesting.payload(token: token, endpoint: echo.endpoint))
        #expect(echoed.category == .auth, "\(echoed.summary)")
    }
}

/// Peers that misbehave: each ping is categorised within its deadline and never shows the token.
@Suite(.serialized)
struct MotherDuckHostilePeerTests {
    /// A ping at `endpoint` on a manual clock: with `atDeadline` the clock moves to the deadline once
    /// `ready()` holds; without, the ping must end with the clock never moving.
    func ping(
        endpoint: String, atDeadline: Bool = false, until ready: @escaping @Sendable () -> Bool = { true }
    ) async throws -> PingReport {
        try await ProbeTesting.pingAtPeer(
            [MotherDuckProbeFactory()],
            MotherDuckTesting.payload(token: MotherDuckTesting.token(), endpoint: endpoint, timeoutSeconds: 1.5),
            atDeadline: atDeadline, timeout: .seconds(3), until: ready)
    }

    func ping(_ behaviour: HostilePeer.Behaviour, atDeadline: Bool = false) async throws -> PingReport {
        let peer = try await HostilePeer(behaviour)
        defer { Task { await peer.shutdown() } }
        return try await ping(
            endpoint: "https://127.0.0.1:\(peer.port)", atDeadline: atDeadline, until: { peer.bytesReceived > 0 })
    }

    @Test func silentPeerTimesOut() async throws {
        let report = try await ping(.silent, atDeadline: true)
        #expect(report.category == .timeout, "\(report.summary)")
    }

    @Test func silentAPITimesOut() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { _ in
            try? await Task.sleep(for: .seconds(5))
            return .json(200, "{}")
        }
        defer { Task { await server.stop() } }
        let report = try await ping(endpoint: server.endpoint, atDeadline: true) { !server.requests.isEmpty }
        #expect(report.category == .timeout, "\(report.summary)")
        #expect(report.step("api")?.status == .failed)
    }

    /// A TLS record header dripped after our ClientHello, the rest never sent: the handshake waits for the
    /// record, so only the deadline ends it. On a manual clock moved to the deadline once the peer has
    /// sent all five bytes, it is a timeout of the tls step exactly at the deadline, whatever the load.
    @Test func dripOfATLSRecordHeaderTimesOutInTheHandshake() async throws {
        let header: [UInt8] = [0x16, 0x03, 0x03, 0x00, 0x40]
        let peer = try await HostilePeer(.dripReply(bytes: header, interval: .milliseconds(100)))
        defer { Task { await peer.shutdown() } }
        let report = try await ProbeTesting.pingToTheDeadline(
            [MotherDuckProbeFactory()],
            MotherDuckTesting.payload(
                token: MotherDuckTesting.token(), endpoint: "https://127.0.0.1:\(peer.port)", timeoutSeconds: 1.5)
        ) { peer.bytesSent == header.count }
        #expect(report.category == .timeout, "\(report.summary)")
        #expect(report.step("tls")?.status == .failed, "\(report.summary)")
        #expect(report.message?.hasPrefix("timed out after 1.5 s") == true, "\(report.summary)")
    }

    /// Non-TLS bytes in answer to our ClientHello (an SSH banner, an HTTP error): the handshake fails at
    /// once, as TLS, saying the peer does not speak TLS. The peer answers only after our hello, so the
    /// bytes always reach the TLS handler (a peer that speaks first races our hello: see the README).
    @Test(arguments: ["SSH-2.0-OpenSSH_9.2p1\r\n", "HTTP/1.1 400 Bad Request\r\n\r\n"])
    func nonTLSAnswerToTheHelloIsTLS(_ answer: String) async throws {
        let report = try await ping(.replyWith(Array(answer.utf8)))
        #expect(report.category == .tls, "\(report.summary)")
        #expect(report.step("tls")?.status == .failed, "\(report.summary)")
        #expect(report.message?.contains("did not answer with TLS") == true, "\(report.summary)")
    }

    @Test func hugeBodyIsRefused() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { _ in
            .init(
                status: 200, headers: [("Content-Type", "application/json")],
                body: #"{"tokens":[""# + String(repeating: "x", count: 2 << 20) + #""]}"#)
        }
        defer { Task { await server.stop() } }
        let report = try await ping(endpoint: server.endpoint)
        #expect(report.category == .protocolMismatch, "\(report.summary)")
    }

    @Test func closeEarlyIsCategorised() async throws {
        let report = try await ping(.acceptAndClose)
        #expect(!report.ok)
        #expect(
            [.tls, .protocolMismatch, .serverUnavailable, .unreachable].contains(report.category), "\(report.summary)")
    }
}
