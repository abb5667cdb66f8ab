import Foundation
import PreflightClickHouse
import PreflightCore
import PreflightProbeTesting
import PreflightTestSupport
import Testing

/// Newer ClickHouse answers (22+: code 516, X-ClickHouse-Exception-Code, RBAC's 497) and HTTPS, against
/// `ScriptedHTTPServer` answering as ClickHouse does; the local server is 18.16 over plain HTTP.
@Suite(.serialized)
struct ClickHouseScriptedPeerTests {
    let engine = ClickHouseTesting.engine(timeout: .seconds(5))

    /// A ClickHouse 24 over HTTPS: user cdc / password, database analytics; cdc may not read "secret_db".
    static func modern(_ request: ScriptedHTTPServer.Request) async -> ScriptedHTTPServer.Response {
        if request.pathOnly == "/ping" { return .init(status: 200, body: "Ok.\n") }
        guard request.pathOnly == "/" else { return .init(status: 404, body: "There is no handle \(request.pathOnly)") }
        guard request.header("X-ClickHouse-User") == "cdc", request.header("X-ClickHouse-Key") == "Modern-CH-Pass-1"
        else {
            return .init(
                status: 401, headers: [("X-ClickHouse-Exception-Code", "516")],
                body:
                    "Code: 516. DB::Exception: \(request.header("X-ClickHouse-User") ?? "default"): Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED) (version 24.3.1.2672 (official build))\n"
            )
        }
        switch request.header("X-ClickHouse-Database") {
        case nil, "analytics"?:
            if let answer = ClickHouseDestinationPeerTests.destinationAnswer(
                request, grants: "GRANT SELECT, INSERT, CREATE TABLE, ALTER ON analytics.* TO cdc\n")
            {
                return answer
            }
            return .init(status: 200, headers: [("X-ClickHouse-Server-Display-Name", "ch-1")], body: "24.3.1.2672\n")
        case "secret_db"?:
            return .init(
                status: 403, headers: [("X-ClickHouse-Exception-Code", "497")],
                body:
                    "Code: 497. DB::Exception: cdc: Not enough privileges. To execute this query, it's necessary to have the grant SHOW TABLES ON secret_db.*. (ACCESS_DENIED) (version 24.3.1.2672 (official build))\n"
            )
        case let other?:
            return .init(
                status: 404, headers: [("X-ClickHouse-Exception-Code", "81")],
                body:
                    "Code: 81. DB::Exception: Database \(other) does not exist. (UNKNOWN_DATABASE) (version 24.3.1.2672 (official build))\n"
            )
        }
    }

    func ping(_ server: ScriptedHTTPServer, password: String, database: String? = nil, caPEM: String? = TestPKI.caPEM)
        async throws -> PingReport
    {
        var extra: [String: JSONValue] = ["httpPort": .number(Double(server.port))]
        if let caPEM { extra["sslRootCert"] = .string(caPEM) }
        if let database { extra["database"] = .string(database) }
        return try await ClickHouseTesting.ping(
            engine,
            ClickHouseTesting.payload(
                addresses: ["127.0.0.1:9440"], username: "cdc", password: password, insecure: false, extra: extra))
    }

    @Test func httpsLoginWithVerifiedCertificate() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true, handler: Self.modern)
        defer { Task { await server.stop() } }
        let report = try await ping(server, password: "Modern-CH-Pass-1", database: "analytics")
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("tls")?.detail?.contains("certificate verified") == true, "\(report.summary)")
        #expect(
            report.step("auth")?.detail
                == "user cdc authenticated; ClickHouse 24.3.1.2672, database analytics (server ch-1)")
        #expect(
            report.step("ping")?.detail?.contains("httpPort \(server.port) replaces port 9440") == true,
            "\(report.summary)")
        let query = try #require(server.requests.first { $0.query["query"] == "SELECT version()" })
        #expect(query.method == "GET")
        #expect(query.query["query"] == "SELECT version()")
        #expect(query.query["database"] == "analytics")
        #expect(query.header("X-ClickHouse-Database") == "analytics")
    }

    @Test func code516IsAuth() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true, handler: Self.modern)
        defer { Task { await server.stop() } }
        let report = try await ping(server, password: "Planted-Wrong-516")
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.message?.contains("Code: 516 AUTHENTICATION_FAILED") == true, "\(report.summary)")
    }

    @Test func code497IsPermissionAnd81IsDatabaseNotFound() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true, handler: Self.modern)
        defer { Task { await server.stop() } }
        let denied = try await ping(server, password: "Modern-CH-Pass-1", database: "secret_db")
        #expect(denied.category == .permission, "\(denied.summary)")
        let missing = try await ping(server, password: "Modern-CH-Pass-1", database: "nope")
        #expect(missing.category == .databaseNotFound, "\(missing.summary)")
    }

    @Test func untrustedCertificateIsTLS() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true, handler: Self.modern)
        defer { Task { await server.stop() } }
        let report = try await ping(server, password: "Modern-CH-Pass-1", caPEM: nil)
        #expect(report.category == .tls, "\(report.summary)")
    }

    @Test func anotherWebServerIsProtocolMismatch() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { _ in
            .init(
                status: 404, headers: [("Server", "nginx/1.25.3"), ("Content-Type", "text/html")],
                body: "<html><body>404 Not Found</body></html>")
        }
        defer { Task { await server.stop() } }
        let report = try await ping(server, password: "Modern-CH-Pass-1")
        #expect(report.category == .protocolMismatch, "\(report.summary)")
        #expect(report.message?.contains("nginx/1.25.3") == true, "\(report.summary)")
        #expect(report.step("ping")?.status == .failed)
    }

    @Test func plainHTTPToATLSPortSaysSetIsInsecureFalse() async throws {
        let server = try await ScriptedHTTPServer.start(tls: true, handler: Self.modern)
        defer { Task { await server.stop() } }
        let report = try await ClickHouseTesting.ping(
            engine,
            ClickHouseTesting.payload(
                addresses: ["127.0.0.1:\(server.port)"], username: "cdc", password: "Modern-CH-Pass-1", insecure: true))
        #expect(!report.ok, "\(report.summary)")
        #expect(report.hint?.contains("isInsecure") == true, "\(report.summary) hint: \(report.hint ?? "")")
    }
}

/// Peers that are not ClickHouse, or misbehave: each is categorised within the ping's deadline.
@Suite(.serialized)
struct ClickHouseHostilePeerTests {
    static let password = "Hostile-CH-Pass-1"

    /// A ping at `behaviour` on a manual clock: with `atDeadline` the clock moves to the deadline once the peer
    /// has the client's first bytes; without, the ping must end with the clock never moving.
    func ping(_ behaviour: HostilePeer.Behaviour, atDeadline: Bool = false) async throws -> PingReport {
        let peer = try await HostilePeer(behaviour)
        defer { Task { await peer.shutdown() } }
        return try await ProbeTesting.pingAtPeer(
            [ClickHouseProbeFactory()],
            ClickHouseTesting.payload(
                addresses: ["127.0.0.1:\(peer.port)"], password: Self.password, timeoutSeconds: 1.5),
            atDeadline: atDeadline, timeout: .seconds(3), until: { peer.bytesReceived > 0 })
    }

    @Test func silentPeerTimesOut() async throws {
        let report = try await ping(.silent, atDeadline: true)
        #expect(report.category == .timeout, "\(report.summary)")
    }

    @Test func dripTimesOut() async throws {
        let report = try await ping(
            .drip(bytes: Array("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nOk.\n".utf8), interval: .milliseconds(300)),
            atDeadline: true)
        #expect(report.category == .timeout, "\(report.summary)")
    }

    @Test func garbageIsProtocolMismatch() async throws {
        let report = try await ping(
            .replyWith([0x13, 0x37, 0x00, 0x05, 0xDE, 0xAD, 0xBE, 0xEF, 0x0d, 0x0a, 0x0d, 0x0a]))
        #expect(report.category == .protocolMismatch, "\(report.summary)")
    }

    @Test func sshBannerIsProtocolMismatch() async throws {
        let report = try await ping(HostilePeerCases.sshBanner)
        #expect(report.category == .protocolMismatch, "\(report.summary)")
    }

    @Test func hugeBodyIsRefused() async throws {
        let report = try await ping(
            .flood(header: Array("HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n".utf8), onAccept: false))
        #expect(report.category == .protocolMismatch, "\(report.summary)")
    }

    @Test func closeEarlyIsCategorised() async throws {
        // Depending on when the close lands, HTTPClient sees it before the request (unreachable, "closed the
        // connection before a request could be sent") or after it (protocol_mismatch).
        let closed = try await ping(.acceptAndClose)
        #expect([.protocolMismatch, .serverUnavailable, .unreachable].contains(closed.category), "\(closed.summary)")
        let cut = try await ping(.closeAfter(bytes: Array("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nOk".utf8)))
        #expect(cut.category == .protocolMismatch, "\(cut.summary)")
    }
}
