import Foundation
import PreflightTestSupport
import Testing

/// `ping --service` and `planes` against a service URL that redirects: the redirect is not followed (the
/// API key would travel with it), and the message says where it points.
@Suite("Remote commands: a redirecting service URL")
struct CLIRemoteRedirectTests {
    @Test(
        "ping --service and planes list: one request, not followed, the Location in the message, the key nowhere else")
    func redirectNotFollowed() async throws {
        let target = try await ScriptedHTTPServer.start(tls: false) { _ in .json(200, "{}") }
        defer { Task { await target.stop() } }
        let redirector = try await ScriptedHTTPServer.start(tls: false) { _ in
            ScriptedHTTPServer.Response(status: 301, headers: [("Location", "\(target.endpoint)/connectors/ping")])
        }
        defer { Task { await redirector.stop() } }
        let key = "arsk_redirect_\(UUID().uuidString.prefix(8))"
        let payload =
            #"{"type":"postgresql","sharedConfig":{"host":"db.example.com","port":5432,"user":"u","password":"p"}}"#
        let ping = try CLI.run(
            ["ping", "--payload", "-", "--service", redirector.endpoint], stdin: payload,
            environment: ["PREFLIGHT_API_KEY": key])
        #expect(ping.code == 1, "\(ping.stdout)\(ping.stderr)")
        #expect(
            ping.stderr.contains("answered 301: it redirects to \(target.endpoint)/connectors/ping"), "\(ping.stderr)")
        let planes = try CLI.run(
            ["planes", "list", "--service", redirector.endpoint], environment: ["PREFLIGHT_API_KEY": key])
        #expect(planes.code == 1, "\(planes.stdout)\(planes.stderr)")
        #expect(planes.stderr.contains("which is not followed"), "\(planes.stderr)")
        #expect(redirector.requests.count == 2)
        #expect(target.requests.isEmpty)
        #expect(!ping.stderr.contains(key) && !planes.stderr.contains(key))
    }
}
