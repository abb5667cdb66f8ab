import Foundation
import HTTPTypes
import HummingbirdTesting
import PreflightCore
import Testing

@testable import PreflightServer

@Suite("Operations endpoints and routing")
struct OperationsTests {
    @Test("GET /healthz needs no key")
    func healthz() async throws {
        try await withTestAPI { client, _ in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
            #expect(response.text == #"{"status":"ok"}"#)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test("GET /metrics renders Prometheus text including preflight_pings_total after a ping")
    func metrics() async throws {
        try await withTestAPI { client, context in
            let ping = try await client.ping(#"{"type": "keyspaces"}"#, headers: context.auth)
            #expect(ping.status == .ok)
            let response = try await client.execute(uri: "/metrics", method: .get, headers: context.auth)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = response.text
            #expect(text.contains("preflight_pings_total"))
            #expect(text.contains(#"type="keyspaces""#))
            #expect(text.contains(#"category="unsupported""#))
            #expect(text.contains("preflight_ping_duration_seconds"))
        }
    }

    @Test("GET /metrics needs a key by default, and can be opened by the operator")
    func metricsWithAuth() async throws {
        try await withTestAPI { client, context in
            let anonymous = try await client.execute(uri: "/metrics", method: .get)
            #expect(anonymous.status == .unauthorized)
            let authorized = try await client.execute(uri: "/metrics", method: .get, headers: context.auth)
            #expect(authorized.status == .ok)
        }
        try await withTestAPI(server: ServerConfiguration(metricsRequireAuth: false)) { client, _ in
            let anonymous = try await client.execute(uri: "/metrics", method: .get)
            #expect(anonymous.status == .ok)
        }
    }

    @Test("GET /openapi.yaml serves the bundled document")
    func openAPIDocument() async throws {
        try await withTestAPI { client, _ in
            let response = try await client.execute(uri: "/openapi.yaml", method: .get)
            #expect(response.status == .ok)
            #expect(response.text.hasPrefix("openapi: 3.1"))
            #expect(response.text.contains("operationId: pingConnector"))
            #expect(response.headers[.contentType]?.contains("yaml") == true)
        }
    }

    @Test("unknown routes are 404 and wrong methods 405, both as {\"error\"}")
    func routing() async throws {
        try await withTestAPI { client, context in
            let missing = try await client.execute(uri: "/connectors/pong", method: .post, headers: context.auth)
            #expect(missing.status == .notFound)
            #expect(missing.jsonKeys == ["error"])
            #expect(missing.errorMessage?.contains("/connectors/pong") == true)

            let wrongMethod = try await client.execute(uri: "/connectors/ping", method: .get, headers: context.auth)
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "POST")
            #expect(wrongMethod.jsonKeys == ["error"])

            let deleteHealth = try await client.execute(uri: "/healthz", method: .delete)
            #expect(deleteHealth.status == .methodNotAllowed)
            #expect(deleteHealth.headers[.allow] == "GET")
        }
    }

    @Test("one access log line per request, with method, path, status and duration")
    func accessLog() async throws {
        try await withTestAPI { client, context in
            _ = try await client.execute(uri: "/healthz?token=abc", method: .get)
            _ = try await client.execute(uri: "/nowhere", method: .get)
            let lines = context.logs.lines.filter { $0.contains("] request ") }
            #expect(lines.count == 2, "\(lines)")
            #expect(lines.first?.contains("http.method=GET") == true)
            #expect(lines.first?.contains("http.path=/healthz") == true)
            #expect(lines.first?.contains("http.status=200") == true)
            #expect(lines.first?.contains("duration_ms=") == true)
            #expect(lines.last?.contains("http.status=404") == true)
            #expect(!lines.contains { $0.contains("token=abc") })
        }
    }

    @Test("the routes the server knows are the paths of openapi.yaml")
    func routesMatchDocument() throws {
        let document = try String(decoding: #require(OpenAPIDocument.bytes), as: UTF8.self)
        var paths: [String: [String]] = [:]
        var current: String?
        var inPaths = false
        for line in document.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" {
                inPaths = true
                continue
            }
            if inPaths, let first = line.first, first != " " { break }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                current = String(line.dropFirst(2).dropLast())
                paths[current!] = []
            } else if let current, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":"),
                line != "    parameters:"
            {
                paths[current]?.append(line.trimmingCharacters(in: .whitespaces).dropLast().uppercased())
            }
        }
        let known = APIRoutes.methodsByPath.mapValues { $0.map(\.rawValue).sorted() }
        #expect(paths.mapValues { $0.sorted() } == known)
    }

    @Test("the connector type enum of openapi.yaml is every ConnectorType")
    func typeEnumMatches() throws {
        let document = try String(decoding: #require(OpenAPIDocument.bytes), as: UTF8.self)
        let start = try #require(document.range(of: "enum: [api,"), "no type enum in openapi.yaml")
        let end = try #require(document[start.upperBound...].firstIndex(of: "]"))
        let listed = document[document.index(start.lowerBound, offsetBy: "enum: [".count)..<end]
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(listed.sorted() == ConnectorType.allCases.map(\.rawValue).sorted())
    }

    @Test("bootstrapMetrics can be called repeatedly")
    func bootstrapTwice() {
        let first = bootstrapMetrics()
        let second = bootstrapMetrics()
        #expect(first === second)
    }
}
