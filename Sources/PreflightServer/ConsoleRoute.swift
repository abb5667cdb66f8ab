import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The browser console: `GET /` (its page) and `GET /console/<file>` (its scripts and style sheet),
/// served from the target's `Console/` resource directory. Needs no key: the page asks for one.
///
/// Only the files of ``ConsoleRoute/files`` are routes, so nothing else of the file system can be named
/// (an unknown or `..` path is the router's 404). Every answer carries a strict Content-Security-Policy
/// (scripts, styles and connections from this origin only, no inline script or style, no framing) and
/// `X-Content-Type-Options: nosniff`. The files are read once, when the server starts.
struct ConsoleRoute: Sendable {
    /// A served file: its name in `Console/` and its content type.
    struct File: Sendable {
        let name: String
        let contentType: String
    }

    /// Every file the console has; the page is `index.html`, answered at `/`.
    static let files: [File] = [
        File(name: "index.html", contentType: "text/html; charset=utf-8"),
        File(name: "app.css", contentType: "text/css; charset=utf-8"),
        File(name: "app.js", contentType: "text/javascript; charset=utf-8"),
        File(name: "api.js", contentType: "text/javascript; charset=utf-8"),
        File(name: "dom.js", contentType: "text/javascript; charset=utf-8"),
        File(name: "form.js", contentType: "text/javascript; charset=utf-8"),
        File(name: "timeline.js", contentType: "text/javascript; charset=utf-8"),
        File(name: "tunnels.js", contentType: "text/javascript; charset=utf-8"),
    ]

    /// The policy of every console answer.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    private let bodies: [String: ByteBuffer]

    /// Reads the files from the bundled `Console/` directory (a missing file is answered 404).
    init() {
        var bodies: [String: ByteBuffer] = [:]
        for file in Self.files {
            if let bytes = ServerResources.bytes(of: "Console/\(file.name)") {
                bodies[file.name] = ByteBuffer(bytes: bytes)
            }
        }
        self.bodies = bodies
    }

    /// Adds `GET /` and `GET /console/<file>` for every file.
    func register(on router: Router<PreflightRequestContext>) {
        for file in Self.files {
            let path = file.name == "index.html" ? "/" : "/console/\(file.name)"
            router.get(RouterPath(path)) { _, _ in try self.response(for: file) }
        }
    }

    private func response(for file: File) throws -> Response {
        guard let body = bodies[file.name] else { throw HTTPError(.notFound) }
        return Response(
            status: .ok,
            headers: [
                .contentType: file.contentType,
                .contentSecurityPolicy: Self.contentSecurityPolicy,
                HTTPField.Name("X-Content-Type-Options")!: "nosniff",
                HTTPField.Name("X-Frame-Options")!: "DENY",
                HTTPField.Name("Referrer-Policy")!: "no-referrer",
                .cacheControl: "no-cache",
            ],
            body: .init(byteBuffer: body))
    }
}
