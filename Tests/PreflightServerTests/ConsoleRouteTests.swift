import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import PreflightServer

/// The browser console's files: served without a key, with their content type and a strict policy; a
/// fixed list, so nothing else is reachable. (The console itself is driven in Chromium by scripts/browser.sh.)
@Suite("GET / and /console/*")
struct ConsoleRouteTests {
    @Test func everyFileIsServedWithItsTypeAndAStrictPolicy() async throws {
        try await withTestAPI { client, _ in
            for file in ConsoleRoute.files {
                let path = file.name == "index.html" ? "/" : "/console/\(file.name)"
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .ok, "\(path)")
                #expect(response.headers[.contentType] == file.contentType, "\(path)")
                let policy = try #require(response.headers[.contentSecurityPolicy], "\(path) has no CSP")
                #expect(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"))
                #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"))
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff", "\(path)")
                #expect(response.body.readableBytes > 100, "\(path) is empty")
            }
        }
    }

    @Test(arguments: [
        "/console/nope.js", "/console/", "/console", "/console/../openapi.yaml", "/console/%2e%2e/Package.swift",
        "/console/index.html", "/index.html", "/console/app.js/x",
    ])
    func anythingElseIsNotFound(path: String) async throws {
        try await withTestAPI { client, _ in
            let response = try await client.execute(uri: path, method: .get)
            #expect(response.status == .notFound, "\(path): \(response.status)")
        }
    }

    @Test func everyFileTheConsoleLoadsIsServedAndAllWeighUnder150KB() throws {
        var referenced: Set<String> = []
        var total = 0
        for file in ConsoleRoute.files {
            let bytes = try #require(ServerResources.bytes(of: "Console/\(file.name)"), "\(file.name) is not bundled")
            total += bytes.count
            let text = String(decoding: bytes, as: UTF8.self)
            // `src="/console/x"`, `href="/console/x"` and `from './x.js'`.
            for match in text.matches(of: /(?:src|href)="\/console\/([A-Za-z0-9._-]+)"|from '\.\/([A-Za-z0-9._-]+)'/) {
                referenced.insert(String(match.output.1 ?? match.output.2 ?? ""))
            }
            #expect(!text.contains("innerHTML") && !text.contains("outerHTML") && !text.contains("insertAdjacentHTML"))
            #expect(!text.contains("localStorage.setItem") && !text.contains(" style=\""))
        }
        let served = Set(ConsoleRoute.files.map(\.name))
        #expect(referenced.subtracting(served).isEmpty, "loaded but not served: \(referenced.subtracting(served))")
        #expect(served.subtracting(referenced).subtracting(["index.html"]).isEmpty, "served but never loaded")
        #expect(total < 150 * 1024, "the console weighs \(total) bytes")
    }
}
