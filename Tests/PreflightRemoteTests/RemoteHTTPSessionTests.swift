import Foundation
import PreflightHTTP
import PreflightNetwork
import PreflightTestSupport
import Testing

@testable import PreflightRemote

/// The remote commands' HTTP client against loopback peers: the scripted HTTP(S) server, hostile peers,
/// and the CONNECT proxy the agent's own test uses (scripts/peers/connect_proxy.py).
@Suite("Remote commands: the HTTP client", .timeLimit(.minutes(2)))
struct RemoteHTTPSessionTests {
    static let direct = ProxySettings(environment: [:])

    static func session(
        _ proxies: ProxySettings = direct, timeout: Duration = .seconds(10), trustTestCA: Bool = false
    ) throws -> RemoteHTTPSession {
        RemoteHTTPSession(
            timeout: timeout, proxies: proxies,
            roots: trustTestCA ? try ChainVerifier.store(fromPEM: TestPKI.caPEM) : nil)
    }

    static func echo() async throws -> ScriptedHTTPServer {
        try await ScriptedHTTPServer.start(tls: false) { request in
            .json(200, #"{"path":"\#(request.path)","bytes":\#(request.body.count)}"#)
        }
    }

    @Test("one kept-alive connection carries a session's requests; body, headers and path arrive as sent")
    func keepAlive() async throws {
        let server = try await Self.echo()
        defer { Task { await server.stop() } }
        let session = try Self.session()
        for index in 0..<3 {
            let answer = try await session.send(
                "POST", URL(string: "\(server.endpoint)/agent/v1/poll?n=\(index)")!,
                headers: [HTTPField("Authorization", "Bearer ardp_x")], body: Array("{}".utf8))
            #expect(answer.status == 200)
            #expect(answer.text.contains(#""path":"/agent/v1/poll?n=\#(index)""#), "\(answer.text)")
        }
        #expect(server.connectionCount == 1)
        let request = try #require(server.requests.last)
        #expect(request.header("Authorization") == "Bearer ardp_x")
        #expect(request.header("Host") == server.hostAndPort)
        #expect(request.text == "{}")
        session.close()
    }

    @Test("an answer with Connection: close, or a connection dropped while idle, means a new connection next time")
    func reconnects() async throws {
        let server = try await ScriptedHTTPServer.start(tls: false) { request in
            request.path == "/close"
                ? ScriptedHTTPServer.Response(status: 200, headers: [("Connection", "close")])
                : ScriptedHTTPServer.Response(status: 200, headers: [ScriptedHTTPServer.closeSilently])
        }
        defer { Task { await server.stop() } }
        let session = try Self.session()
        let base = server.endpoint
        #expect(try await session.send("GET", URL(string: "\(base)/close")!).status == 200)
        #expect(try await session.send("GET", URL(string: "\(base)/drop")!).status == 200)
        // Wait until the dropped connection's close has reached the client, or not: either way the next
        // request must be answered (on the kept connection's failure, once more on a new one).
        try await Task.sleep(for: .milliseconds(50))
        #expect(try await session.send("GET", URL(string: "\(base)/drop")!).status == 200)
        #expect(server.connectionCount == 3)
    }

    @Test("a refused port, a silent peer, a peer that is not HTTP, and an endless body each end with their own error")
    func failures() async throws {
        let session = try Self.session(timeout: .milliseconds(400))
        await #expect(throws: RemoteHTTPError.self) {
            try await session.send("GET", URL(string: "http://127.0.0.1:\(closedPort())/")!)
        }
        do {
            _ = try await session.send("GET", URL(string: "http://127.0.0.1:\(closedPort())/")!)
        } catch {
            #expect("\(error)".contains("connection refused"), "\(error)")
        }

        let silent = try await HostilePeer(.silent)
        defer { Task { await silent.shutdown() } }
        await #expect(throws: RemoteHTTPError.timedOut(seconds: 0.4)) {
            try await session.send("GET", URL(string: "http://127.0.0.1:\(silent.port)/")!)
        }

        let ssh = try await HostilePeer(.replyWith(Array("SSH-2.0-OpenSSH_9.2\r\n".utf8)))
        defer { Task { await ssh.shutdown() } }
        await #expect(throws: RemoteHTTPError.badAnswer("the server's answer is not HTTP")) {
            try await session.send("GET", URL(string: "http://127.0.0.1:\(ssh.port)/")!)
        }

        let flood = try await HostilePeer(
            .flood(header: Array("HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n".utf8), onAccept: false))
        defer { Task { await flood.shutdown() } }
        let roomy = try Self.session(timeout: .seconds(30))
        await #expect(throws: RemoteHTTPError.badAnswer("the server's answer is larger than 16 MiB")) {
            try await roomy.send("GET", URL(string: "http://127.0.0.1:\(flood.port)/")!)
        }
    }

    @Test("a header or URL with a control character is refused before anything is sent")
    func injection() async throws {
        let server = try await Self.echo()
        defer { Task { await server.stop() } }
        let session = try Self.session()
        await #expect(throws: RemoteHTTPError.self) {
            try await session.send(
                "GET", URL(string: "\(server.endpoint)/")!, headers: [HTTPField("X-Agent", "a\r\nX-Admin: 1")])
        }
        await #expect(throws: RemoteHTTPError.self) {
            try await session.send("GET", URL(string: "\(server.endpoint)/")!, headers: [HTTPField("Bad Name", "x")])
        }
        #expect(server.requests.isEmpty)
    }

    @Test("https: the server's chain must reach the trusted roots (system, SSL_CERT_FILE, or given)")
    func tls() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { _ in .json(200, "{}") }
        defer { Task { await server.stop() } }
        let url = URL(string: server.endpoint + "/healthz")!
        // The system's roots do not hold the test CA.
        do {
            _ = try await Self.session().send("GET", url)
            Issue.record("an untrusted chain was accepted")
        } catch {
            guard case .tls(let reason) = error as? RemoteHTTPError else { throw error }
            #expect(reason.contains("trusted"), "\(reason)")
        }
        #expect(try await Self.session(trustTestCA: true).send("GET", url).status == 200)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("remote-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("ca.pem").path
        try TestPKI.caPEM.write(toFile: file, atomically: true, encoding: .utf8)
        let viaFile = RemoteHTTPSession(
            timeout: .seconds(10), proxies: ProxySettings(environment: ["SSL_CERT_FILE": file]))
        #expect(try await viaFile.send("GET", url).status == 200)
        let missing = RemoteHTTPSession(
            timeout: .seconds(10), proxies: ProxySettings(environment: ["SSL_CERT_FILE": file + ".missing"]))
        await #expect(throws: RemoteHTTPError.self) { try await missing.send("GET", url) }

        // An https URL to a plain HTTP port fails as TLS; the plain request never reaches the handler.
        let plain = try await Self.echo()
        defer { Task { await plain.stop() } }
        do {
            _ = try await Self.session(trustTestCA: true).send("GET", URL(string: "https://127.0.0.1:\(plain.port)/")!)
            Issue.record("TLS to a plain HTTP port succeeded")
        } catch {
            switch error as? RemoteHTTPError {
            case .tls, .closed: break
            default: Issue.record("\(error)")
            }
        }
        #expect(plain.requests.allSatisfy { $0.method != "GET" || $0.path != "/" })
    }
}
