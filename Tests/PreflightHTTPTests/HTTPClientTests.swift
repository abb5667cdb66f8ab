import Foundation
import NIOCore
import PreflightCore
import PreflightEngine
import PreflightHTTP
import PreflightNetwork
import PreflightProbeTesting
import PreflightTestSupport
import Testing

/// A probe made for these tests: GETs `/hello` (twice, to show keep-alive) from `endpointURL`.
struct EchoProbeFactory: ProbeFactory {
    var types: Set<ConnectorType> { [.api] }

    func makeProbe(for payload: ConnectorPayload) throws(InvalidConfig) -> any Probe {
        let endpoint = try HTTPEndpoint.parse(
            try payload.sharedConfig.requiredString("endpointURL", for: .api), key: "endpointURL")
        let verify = try payload.sharedConfig.bool("verify") ?? true
        return EchoProbe(
            http: HTTPTarget(
                endpoint, rootCertificatesPEM: try payload.sharedConfig.string("sslRootCert"), verifyCertificate: verify
            ))
    }
}

struct EchoProbe: Probe {
    let http: HTTPTarget
    var target: PingTarget { PingTarget(host: http.endpoint.host, port: http.endpoint.port) }

    func run(in context: ProbeContext) async throws(ProbeFailure) {
        let client = HTTPClient(context: context)
        for step in ["first", "second"] {
            let response = try await client.send(
                .json("POST", "/hello", .object(["n": .string(step)]), headers: [HTTPField("X-Test", "1")]),
                to: http, step: StepName(rawValue: step), activity: "saying hello")
            guard response.status == 200 else {
                throw ProbeFailure(.auth, "hello answered \(response.statusLine)")
            }
        }
    }
}

@Suite("HTTPClient against local peers", .serialized)
struct HTTPClientTests {
    static func engine(timeout: Duration = .seconds(5)) -> PingEngine {
        PingEngine(configuration: EngineConfiguration(defaultTimeout: timeout), factories: [EchoProbeFactory()])
    }

    static func payload(_ url: String, extra: [String: String] = [:], timeout: Double? = nil) -> ConnectorPayload {
        var config = ["endpointURL": url]
        for (key, value) in extra { config[key] = value }
        return ConnectorPayload(type: .api, sharedConfig: SharedConfig(strings: config), timeoutSeconds: timeout)
    }

    @Test func plainHTTPKeepsOneConnectionAlive() async throws {
        let server = try await ScriptedHTTPServer.start(tls: false) { request in
            .json(200, #"{"seen":"\#(request.text.count)"}"#)
        }
        defer { Task { await server.stop() } }
        let report = try await Self.engine().ping(Self.payload(server.endpoint))
        #expect(report.ok, "\(report)")
        #expect(report.steps.map(\.name) == ["dns", "connect", "first", "second"])
        #expect(report.steps.first { $0.name == "first" }?.detail == "HTTP 200 OK")
        let requests = server.requests
        #expect(requests.count == 2)
        #expect(requests.first?.header("Host") == server.hostAndPort)
        #expect(requests.first?.header("Content-Type") == "application/json")
        #expect(requests.first?.header("X-Test") == "1")
        #expect(requests.first?.text == #"{"n":"first"}"#)
    }

    @Test func connectionCloseMeansANewConnectionForTheNextRequest() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { _ in
            ScriptedHTTPServer.Response(
                status: 200, headers: [("Connection", "close"), ("Content-Type", "application/json")], body: "{}")
        }
        defer { Task { await server.stop() } }
        let report = try await Self.engine().ping(Self.payload(server.endpoint, extra: ["sslRootCert": TestPKI.caPEM]))
        #expect(report.ok, "\(report)")
        // The second connection is opened quietly: the steps are recorded once.
        #expect(report.steps.map(\.name) == ["dns", "connect", "tls", "first", "second"])
        #expect(server.requests.count == 2)
    }

    @Test func httpsVerifiesAgainstTheGivenCA() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { _ in .json(200, "{}") }
        defer { Task { await server.stop() } }
        let report = try await Self.engine().ping(Self.payload(server.endpoint, extra: ["sslRootCert": TestPKI.caPEM]))
        #expect(report.ok, "\(report)")
        let tls = report.steps.first { $0.name == "tls" }
        #expect(tls?.detail?.contains("certificate verified") == true, "\(String(describing: tls))")
    }

    @Test func httpsWithoutTheCAFailsAsTLS() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { _ in .json(200, "{}") }
        defer { Task { await server.stop() } }
        let report = try await Self.engine().ping(Self.payload(server.endpoint))
        #expect(report.category == .tls, "\(report)")
        #expect(server.requests.isEmpty)
        let unverified = try await Self.engine().ping(Self.payload(server.endpoint, extra: ["verify": "false"]))
        #expect(unverified.ok, "\(unverified)")
    }

    @Test func plainHTTPToATLSPortIsNamed() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { _ in .json(200, "{}") }
        defer { Task { await server.stop() } }
        let report = try await Self.engine().ping(Self.payload("http://127.0.0.1:\(server.port)"))
        #expect(report.category == .protocolMismatch, "\(report)")
    }

    @Test func statusIsReturnedNotThrown() async throws {
        let server = try await ScriptedHTTPServer.start(tls: false) { _ in .json(401, #"{"error":"no"}"#) }
        defer { Task { await server.stop() } }
        let report = try await Self.engine().ping(Self.payload(server.endpoint))
        #expect(report.category == .auth)
        #expect(report.message?.contains("HTTP 401 Unauthorized") == true, "\(report)")
    }

    static let hostile: [(String, HostilePeer.Behaviour, FailureCategory)] = [
        ("silent", .silent, .timeout),
        (
            "drip",
            .drip(bytes: Array("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".utf8), interval: .milliseconds(300)),
            .timeout
        ),
        ("garbage", .garbage(Array("\u{0}\u{1}\u{2}not http at all\r\n\r\n".utf8)), .protocolMismatch),
        ("ssh banner", .banner("SSH-2.0-OpenSSH_9.2\r\n"), .protocolMismatch),
        ("accept and close", .acceptAndClose, .protocolMismatch),
        (
            "huge body",
            .flood(header: Array("HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n".utf8), onAccept: false),
            .protocolMismatch
        ),
        (
            "close mid-answer", .closeAfter(bytes: Array("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nabc".utf8)),
            .protocolMismatch
        ),
    ]

    @Test(arguments: 0..<7)
    func hostilePeersEndCategorisedWithinTheDeadline(index: Int) async throws {
        let (name, behaviour, expected) = Self.hostile[index]
        let peer = try await HostilePeer(behaviour)
        defer { Task { await peer.shutdown() } }
        // On a manual clock: a timeout is the clock moved to the deadline once the peer has the request;
        // anything else must be decided with the clock never moving.
        let report = try await ProbeTesting.pingAtPeer(
            [EchoProbeFactory()], Self.payload("http://127.0.0.1:\(peer.port)", timeout: 1.5),
            atDeadline: expected == .timeout, timeout: .seconds(5), until: { peer.bytesReceived > 0 })
        #expect(report.category == expected, "\(name): \(report)")
    }

    /// A peer that answers our ClientHello with something that is not TLS (an SSH banner, bytes that are
    /// no protocol) fails the handshake at once: `tls`, saying the peer did not answer with TLS, on a
    /// failed tls step, never a timeout. The peer writes only after our hello, so the bytes always reach
    /// the TLS handler; a peer that speaks before our hello races it (mismatch if its bytes win, this if
    /// ours do), which is why this test does not use one.
    @Test(arguments: ["SSH-2.0-OpenSSH_9.2\r\n", "\u{0}\u{1}garbage"])
    func httpsToAServerThatAnswersTheHelloWithoutTLSIsNamedNotTimedOut(_ answer: String) async throws {
        let peer = try await HostilePeer(.replyWith(Array(answer.utf8)))
        defer { Task { await peer.shutdown() } }
        let report = try await Self.engine().ping(Self.payload("https://127.0.0.1:\(peer.port)", timeout: 3))
        let summary =
            "\(report.category as Any) \(report.message ?? "") \(report.steps.map { "\($0.name):\($0.status)" })"
        #expect(report.category == .tls, "\(summary)")
        #expect(report.message?.contains("did not answer with TLS") == true, "\(summary)")
        #expect(report.steps.first { $0.name == "tls" }?.status == .failed, "\(summary)")
    }

    @Test func egressPolicyAppliesToTheDialledAddress() async throws {
        let engine = PingEngine(
            configuration: EngineConfiguration(egress: EgressPolicy(deny: [IPNetwork("127.0.0.0/8")!])),
            factories: [EchoProbeFactory()])
        let report = try await engine.ping(Self.payload("http://localhost:9/"))
        #expect(report.category == .egressDenied, "\(report)")
    }

    /// The service's default: a tenant's ping at a web server that listens only for this host is refused
    /// before it connects, and nothing of what that server would say reaches the report.
    @Test func theServiceDoesNotDialItsOwnHost() async throws {
        let server = try await ScriptedHTTPServer.start(tls: false) { _ in
            .json(200, #"{"note":"INTERNAL-ONLY admin token=s3cr3t"}"#)
        }
        defer { Task { await server.stop() } }
        let engine = PingEngine(
            configuration: EngineConfiguration(
                egress: EgressPolicy(allowLoopback: false, localAddresses: EgressPolicy.hostAddresses())),
            factories: [EchoProbeFactory()])
        for url in [server.endpoint, server.endpoint.replacingOccurrences(of: "127.0.0.1", with: "localhost")] {
            let report = try await engine.ping(Self.payload(url))
            #expect(report.category == .egressDenied, "\(report.summary)")
            #expect(report.message?.contains("own host") == true, "\(report.message ?? "")")
            #expect(!report.summary.contains("INTERNAL-ONLY"))
        }
        #expect(server.requests.isEmpty, "the denied server was reached")
    }
}
