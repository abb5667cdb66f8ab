import Foundation
import HummingbirdTesting
import PreflightServer
import PreflightTestSupport
import Testing

/// `GET /healthz` answered in the connection's pipeline (``HealthzFastPath``), against the real server
/// on a loopback port: the router's answer, byte for byte; never ahead of an earlier request of the
/// same connection; `Connection: close` honoured; 503 `draining` during shutdown.
@Suite("/healthz in the pipeline")
struct HealthzFastPathTests {
    static let get = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"

    @Test("answered in the pipeline with the router's body, without reaching the router")
    func answered() async throws {
        try await withTestAPI(setup: .live) { client, context in
            let raw = try await StreamClient(port: try #require(client.port))
            try await raw.send(Self.get + Self.get)
            #expect(await raw.waitFor(#"{"status":"ok"}"#), "\(raw.text)")
            #expect(
                await eventually(within: .seconds(10)) {
                    raw.text.components(separatedBy: "HTTP/1.1 200 OK").count == 3
                })
            let head = raw.text.lowercased()
            #expect(head.contains("content-type: application/json; charset=utf-8"), "\(raw.text)")
            #expect(head.contains("content-length: 15"), "\(raw.text)")
            #expect(head.contains("server: preflight"), "\(raw.text)")
            #expect(head.contains("date: "), "\(raw.text)")
            #expect(raw.isOpen)
            // The router never saw them: no access-log line.
            #expect(!context.logs.lines.contains { $0.contains("http.path=/healthz") })
            // The router's own answer (the in-memory test client goes through the router) is the same body.
            try await raw.close()
        }
        try await withTestAPI { client, _ in
            let routed = try await client.execute(uri: "/healthz", method: .get)
            #expect(routed.text == #"{"status":"ok"}"#)
        }
    }

    @Test("a /healthz pipelined behind a running ping is answered after it, in order")
    func inOrder() async throws {
        try await withTestAPI(setup: .live) { client, context in
            let peer = try await HostilePeer(.silent)
            let raw = try await StreamClient(port: try #require(client.port))
            let body =
                #"{"type":"postgresql","timeoutSeconds":1,"sharedConfig":{"host":"127.0.0.1","port":\#(peer.port),"user":"u","database":"d"}}"#
            let ping =
                "POST /connectors/ping HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(context.key)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            try await raw.send(ping + Self.get)
            #expect(await raw.waitFor(#"{"status":"ok"}"#), "\(raw.text)")
            let text = raw.text
            let report = try #require(text.range(of: #""category":"timeout""#), "\(text)")
            let health = try #require(text.range(of: #"{"status":"ok"}"#))
            #expect(report.lowerBound < health.lowerBound, "\(text)")
            try await raw.close()
            await peer.shutdown()
        }
    }

    @Test("Connection: close is honoured")
    func close() async throws {
        try await withTestAPI(setup: .live) { client, _ in
            let raw = try await StreamClient(port: try #require(client.port))
            try await raw.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            #expect(await raw.waitFor(#"{"status":"ok"}"#), "\(raw.text)")
            #expect(await eventually(within: .seconds(10)) { !raw.isOpen })
            #expect(raw.text.lowercased().contains("connection: close"))
        }
    }

    @Test("503 draining once shutdown began; other methods still reach the router (405)")
    func draining() async throws {
        let drain = ShutdownDrain(retryAfterSeconds: 3)
        try await withTestAPI(setup: .live, drain: drain) { client, _ in
            let raw = try await StreamClient(port: try #require(client.port))
            try await raw.send("DELETE /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(await raw.waitFor("405"), "\(raw.text)")
            drain.beginDraining()
            try await raw.send(Self.get)
            #expect(await raw.waitFor(#"{"status":"draining"}"#), "\(raw.text)")
            #expect(raw.text.contains("HTTP/1.1 503 Service Unavailable"), "\(raw.text)")
            try? await raw.close()
        }
    }
}
