import Foundation
import PreflightHTTP
import PreflightNetwork
import PreflightTestSupport
import Synchronization
import Testing

@testable import PreflightRemote

#if canImport(Glibc)
    import Glibc
#endif

/// The client through proxies: a CONNECT tunnel for https (the real relay of scripts/peers), a proxy that
/// refuses the tunnel, and the absolute-form request for http.
@Suite("Remote commands: through an HTTP proxy", .timeLimit(.minutes(2)))
struct RemoteProxyTests {
    /// scripts/peers/connect_proxy.py: its port, and what it logged.
    final class ConnectProxy: Sendable {
        let process: Process
        let printed = Printed()

        final class Printed: Sendable {
            let text = Mutex("")
            func append(_ more: String) { text.withLock { $0 += more } }
            var value: String { text.withLock { $0 } }
        }

        init() throws {
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("scripts/peers/connect_proxy.py").path
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script]
            process.standardInput = FileHandle.nullDevice
            let output = Pipe()
            process.standardOutput = output
            let printed = self.printed
            output.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                guard !data.isEmpty else {
                    handle.readabilityHandler = nil
                    return
                }
                printed.append(String(decoding: data, as: UTF8.self))
            }
            try process.run()
            self.process = process
        }

        /// Its port, once it printed `listening PORT` (0 if it did not within 10 s).
        func port() async -> Int {
            for _ in 0..<500 {
                let text = printed.value
                if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening ") }) {
                    return Int(line.dropFirst("listening ".count)) ?? 0
                }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return 0
        }

        /// Kills it; the lines it logged.
        func stop() async -> String {
            kill(process.processIdentifier, SIGKILL)
            for _ in 0..<500 where process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
            return printed.value
        }
    }

    @Test("https through HTTPS_PROXY: one CONNECT to the service's host:port, TLS end to end, kept alive")
    func tunnel() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { _ in .json(200, #"{"ok":true}"#) }
        defer { Task { await server.stop() } }
        let proxy = try ConnectProxy()
        let port = await proxy.port()
        #expect(port > 0)
        let session = RemoteHTTPSession(
            timeout: .seconds(10),
            proxies: ProxySettings(environment: ["HTTPS_PROXY": "http://127.0.0.1:\(port)"]),
            roots: try ChainVerifier.store(fromPEM: TestPKI.caPEM))
        for _ in 0..<2 {
            #expect(try await session.send("GET", URL(string: server.endpoint + "/healthz")!).status == 200)
        }
        session.close()
        let log = await proxy.stop()
        #expect(log.components(separatedBy: "CONNECT 127.0.0.1:\(server.port)").count - 1 == 1, "\(log)")
        #expect(server.connectionCount == 1)
    }

    @Test(
        "a proxy that refuses the tunnel: its status line in the error, its password nowhere; no_proxy goes around it")
    func refusedTunnel() async throws {
        let proxy = try await HostilePeer(
            .replyWith(Array("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n".utf8)))
        defer { Task { await proxy.shutdown() } }
        let environment = ["https_proxy": "http://ann:s3cr%3At@127.0.0.1:\(proxy.port)"]
        let session = RemoteHTTPSession(timeout: .seconds(10), proxies: ProxySettings(environment: environment))
        do {
            _ = try await session.send("GET", URL(string: "https://svc.example.invalid:8443/healthz")!)
            Issue.record("a refused tunnel was not an error")
        } catch {
            #expect(error == .proxyRefused("HTTP/1.1 407 Proxy Authentication Required"))
            #expect(!"\(error)".contains("s3cr"))
        }
        let sent = String(decoding: proxy.received, as: UTF8.self)
        #expect(sent.hasPrefix("CONNECT svc.example.invalid:8443 HTTP/1.1\r\n"), "\(sent)")
        #expect(sent.contains("Proxy-Authorization: Basic \(Data("ann:s3cr:t".utf8).base64EncodedString())\r\n"))

        // Listed in no_proxy, the host is dialled directly (here, a closed loopback port).
        let around = RemoteHTTPSession(
            timeout: .seconds(10),
            proxies: ProxySettings(environment: environment.merging(["no_proxy": "localhost, 127.0.0.0/8"]) { $1 }))
        do {
            _ = try await around.send("GET", URL(string: "https://127.0.0.1:\(closedPort())/healthz")!)
            Issue.record("a closed port answered")
        } catch {
            guard case .connect(_, let viaProxy) = error else { throw error }
            #expect(!viaProxy)
        }
        #expect(proxy.connectionCount == 1)
    }

    @Test("http through http_proxy: the request names the whole URL and carries the proxy's credentials")
    func absoluteForm() async throws {
        let proxy = try await ScriptedHTTPServer.start(tls: false) { _ in .json(200, "{}") }
        defer { Task { await proxy.stop() } }
        let session = RemoteHTTPSession(
            timeout: .seconds(10),
            proxies: ProxySettings(environment: ["http_proxy": "http://ann:pw@127.0.0.1:\(proxy.port)"]))
        #expect(try await session.send("GET", URL(string: "http://svc.example.invalid:8080/planes?x=1")!).status == 200)
        let request = try #require(proxy.requests.first)
        #expect(request.path == "http://svc.example.invalid:8080/planes?x=1")
        #expect(request.header("Proxy-Authorization") == "Basic \(Data("ann:pw".utf8).base64EncodedString())")
        #expect(request.header("Host") == "svc.example.invalid:8080")
    }
}
