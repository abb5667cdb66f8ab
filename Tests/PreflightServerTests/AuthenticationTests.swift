import Foundation
import HTTPTypes
import HummingbirdTesting
import OpenAPIRuntime
import PreflightCore
import PreflightStore
import PreflightTestSupport
import Testing

@testable import PreflightServer

@Suite("Authentication")
struct AuthenticationTests {
    static let unauthorizedMessage = "missing or invalid API key: send Authorization: Bearer arsk_..."
    static let body = #"{"type":"postgresql","sharedConfig":{"host":"127.0.0.1","port":1}}"#

    @Test("401 without an Authorization header")
    func missingKey() async throws {
        try await withTestAPI { client, _ in
            let response = try await client.ping(Self.body, headers: [:])
            #expect(response.status == .unauthorized)
            #expect(response.errorMessage == Self.unauthorizedMessage)
            #expect(response.jsonKeys == ["error"])
            #expect(response.headers[.wwwAuthenticate] == "Bearer")
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test(
        "401 for keys the store does not know or cannot be keys",
        arguments: [
            "Bearer arsk_" + String(repeating: "A", count: 40),  // well-formed, unknown
            "Bearer arsk_short",
            "Bearer sk_live_0123456789abcdef0123456789abcdef",  // not an arsk_ key
            "Bearer ",
            "Basic dXNlcjpwYXNz",
            "arsk_",
            "Token arsk_" + String(repeating: "B", count: 40),
        ])
    func wrongKeys(header: String) async throws {
        try await withTestAPI { client, _ in
            let response = try await client.ping(Self.body, headers: [.authorization: header])
            #expect(response.status == .unauthorized)
            #expect(response.errorMessage == Self.unauthorizedMessage)
        }
    }

    @Test("a valid key is accepted with any case of the scheme, and bare")
    func schemeVariants() async throws {
        try await withTestAPI { client, context in
            for header in ["Bearer \(context.key)", "bearer \(context.key)", "BEARER  \(context.key) ", context.key] {
                let response = try await client.ping(#"{"type":"keyspaces"}"#, headers: [.authorization: header])
                #expect(response.status == .ok, "\(header.prefix(8))")
            }
        }
    }

    @Test("a revoked key is refused")
    func revokedKey() async throws {
        try await withTestAPI { client, context in
            let keys = try await context.store.keys(for: context.company.uuid)
            let revoked = try await context.store.revokeKey(
                uuid: try #require(keys.first).uuid, companyUUID: context.company.uuid)
            #expect(revoked)
            let response = try await client.ping(Self.body, headers: context.auth)
            #expect(response.status == .unauthorized)
        }
    }

    @Test("the body is not looked at before the key is accepted")
    func authBeforeValidation() async throws {
        try await withTestAPI { client, _ in
            let malformed = try await client.ping("{not json", headers: [:])
            #expect(malformed.status == .unauthorized)
            let huge = try await client.ping(String(repeating: "x", count: 2 << 20), headers: [:])
            #expect(huge.status == .unauthorized)
        }
    }

    @Test("the authenticated company is bound for the handler")
    func companyIsBound() async throws {
        let store = try await StoreFactory.open(StoreLocation.parse("sqlite::memory:"), logger: .init(label: "test"))
        let company = try await store.createCompany(name: "Bound Co")
        let key = try await store.issueKey(for: company.uuid).secret
        let middleware = AuthenticationMiddleware(
            keys: APIKeyCheck(store: store, logger: .init(label: "test")), publicOperations: [])
        let seen = try await middleware.intercept(
            HTTPRequest(
                method: .get, scheme: nil, authority: nil, path: "/ssh-tunnels",
                headerFields: [.authorization: "Bearer \(key)"]),
            body: nil, metadata: .init(), operationID: "listSSHTunnels"
        ) { _, _, _ in
            let current = AuthenticatedCompany.current
            return (HTTPResponse(status: .ok), HTTPBody(current?.uuid.uuidString ?? "none"))
        }
        let text = try await String(collecting: try #require(seen.1), upTo: 1024)
        #expect(text == company.uuid.uuidString)
        #expect(AuthenticatedCompany.current == nil)
        try await store.close()
    }

    @Test("Authorization header parsing")
    func parsing() {
        #expect(APIKeyCheck.apiKey(from: nil) == nil)
        #expect(APIKeyCheck.apiKey(from: "Bearer abc") == "abc")
        #expect(APIKeyCheck.apiKey(from: "bearer   abc  ") == "abc")
        #expect(APIKeyCheck.apiKey(from: "arsk_abc") == "arsk_abc")
        #expect(APIKeyCheck.apiKey(from: "Bearer") == nil)
        #expect(APIKeyCheck.apiKey(from: "Basic abc") == nil)
    }

    @Test("no log line contains the API key or the Authorization header")
    func keyNeverLogged() async throws {
        try await withTestAPI { client, context in
            _ = try await client.ping(#"{"type":"keyspaces"}"#, headers: context.auth)
            _ = try await client.ping(
                #"{"type":"keyspaces"}"#, headers: [.authorization: "Bearer arsk_\(String(repeating: "Z", count: 40))"])
            let lines = context.logs.lines
            #expect(lines.contains { $0.contains("http.status=200") })
            #expect(!lines.contains { $0.contains(context.key) })
            #expect(!lines.contains { $0.contains("ZZZZZZZZZZ") })
            #expect(!lines.contains { $0.lowercased().contains("authorization") })
        }
    }
}
