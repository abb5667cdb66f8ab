import Foundation

/// The hostile peers every HTTP provider's ping is tested against (Snowflake, Databricks, ...), kept
/// once so that each provider faces the same ones. What each must end in (a `FailureCategory`) stays in
/// the provider's tests: this target knows nothing of Preflight's modules.
public enum HostilePeerCases {
    /// Bytes that are not HTTP: garbage, an SSH banner, a huge length followed by a flood. A ping over
    /// plain HTTP must end `protocol_mismatch`.
    public static let notHTTP: [HostilePeer.Behaviour] = [
        .garbage([0x00, 0xFF, 0x13, 0x37, 0x42, 0x00, 0x0A]), sshBanner, .hugeLengthThenFlood,
    ]

    /// An SSH server's greeting: the port is SSH, not HTTP.
    public static let sshBanner = HostilePeer.Behaviour.banner("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")

    /// The head of a 200 answer sent a few bytes at a time, never finished: a ping must time out.
    public static let dripHeaders = HostilePeer.Behaviour.drip(
        bytes: Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n".utf8), interval: .milliseconds(200))

    /// A peer that closes at once, and one that closes in the middle of a 200 JSON answer whose body
    /// starts with `jsonStart` (the start of the answer the ping waits for).
    public static func closesEarly(jsonStart: String) -> [HostilePeer.Behaviour] {
        [.acceptAndClose, .closeAfter(bytes: Array("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n\(jsonStart)".utf8))]
    }

    /// 700 KiB: longer than any answer HTTPClient accepts.
    public static let hugeValue = String(repeating: "x", count: 700 * 1024)

    /// A 200 HTML page titled `title`: the wrong host, a login page, a captive portal.
    public static func htmlPage(title: String, body: String = "") -> ScriptedHTTPServer.Response {
        ScriptedHTTPServer.Response(
            status: 200, headers: [("Content-Type", "text/html")],
            body: "<!DOCTYPE html><html><head><title>\(title)</title></head><body>\(body)</body></html>")
    }

    /// Everything `request` carried (its headers, then its body), escaped for a JSON string: what a
    /// hostile peer puts into its error message to try to get the ping's secrets into the report.
    public static func echoed(_ request: ScriptedHTTPServer.Request) -> String {
        (request.headers.map { "\($0.name): \($0.value)" }.joined(separator: " ") + " " + request.text)
            .replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
