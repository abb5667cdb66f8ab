import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PreflightTestSupport
import Testing

/// artie-mcp's tools, replayed as its server sends them. Its tools are generated from Artie's spec by
/// FastMCP with httpx (JSON content type, the caller's bearer token forwarded), and each tool's answer is
/// checked against the spec's output schema: a required key missing is "missing required output" in
/// the agent. `Ping_a_connector` is hand-written: it GETs the saved connector and POSTs that whole object,
/// as it came, to `/connectors/ping`, then shows the response text, or "Ping successful" on 204.
@Suite("artie-mcp's tools, replayed")
struct ArtieMCPReplayTests {
    /// What httpx sends for `client.post(url, json=...)` with the forwarded token.
    static func httpx(_ key: String) -> HTTPFields {
        [
            .authorization: "Bearer \(key)", .contentType: "application/json", .accept: "*/*",
            .userAgent: "python-httpx/0.28.1", .acceptEncoding: "gzip, deflate",
        ]
    }

    /// `PayloadsSSHTunnel`'s required keys in Artie's spec, with the JSON type each must have.
    static let tunnelRequired: [String: String] = [
        "uuid": "uuid", "companyUUID": "uuid", "environmentUUID": "uuid", "name": "string", "host": "string",
        "port": "integer", "publicKey": "string", "username": "string",
    ]

    static func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.text.utf8)) as? [String: Any])
    }

    /// Every key the spec requires is there, with its type: what FastMCP checks before the agent sees it.
    static func expectTunnelOutput(_ response: TestResponse, _ tool: String) throws {
        #expect(response.status == .ok, "\(tool): \(response.text)")
        #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, "\(tool)")
        let tunnel = try object(response)
        for (key, kind) in tunnelRequired {
            let value = tunnel[key]
            switch kind {
            case "uuid":
                let text = value as? String
                #expect(text.flatMap(UUID.init(uuidString:)) != nil, "\(tool): \(key) is not a uuid: \(response.text)")
                #expect(text == text?.lowercased(), "\(tool): \(key) is not lower case")
            case "integer": #expect(value is Int, "\(tool): \(key) is not an integer: \(response.text)")
            default: #expect(value is String, "\(tool): \(key) is not a string: \(response.text)")
            }
        }
    }

    @Test func sshTunnelToolsGetEveryRequiredOutput() async throws {
        try await withTestAPI { client, context in
            let headers = Self.httpx(context.key)
            let created = try await client.execute(
                uri: "/ssh-tunnels", method: .post, headers: headers,
                body: ByteBuffer(
                    string: #"{"name":"analytics bastion","host":"10.0.4.12","port":22,"username":"artie"}"#))
            try Self.expectTunnelOutput(created, "ssh_tunnel_create")
            let uuid = try #require(try Self.object(created)["uuid"] as? String)

            let fetched = try await client.execute(uri: "/ssh-tunnels/\(uuid)", method: .get, headers: headers)
            try Self.expectTunnelOutput(fetched, "ssh_tunnel_get")

            // The agent sends the whole object back with one field changed, read-only keys included.
            var edited = try Self.object(fetched)
            edited["port"] = 2222
            let body = String(decoding: try JSONSerialization.data(withJSONObject: edited), as: UTF8.self)
            let updated = try await client.execute(
                uri: "/ssh-tunnels/\(uuid)", method: .post, headers: headers, body: ByteBuffer(string: body))
            try Self.expectTunnelOutput(updated, "ssh_tunnel_update")
            #expect(try Self.object(updated)["port"] as? Int == 2222)

            // `bodilessSuccess`: FastMCP drops the output schema because the spec answers 204.
            let deleted = try await client.execute(uri: "/ssh-tunnels/\(uuid)", method: .delete, headers: headers)
            #expect(deleted.status == .noContent)
            #expect(deleted.body.readableBytes == 0)
            let gone = try await client.execute(uri: "/ssh-tunnels/\(uuid)", method: .get, headers: headers)
            #expect(gone.status == .notFound)
            #expect(gone.errorMessage?.isEmpty == false, "\(gone.text)")
        }
    }

    /// A saved connector as `GET /connectors/{uuid}` returns it (`PayloadsFullConnector`): read-only keys,
    /// `null` for an absent tunnel, data plane and private links, `defaultDatabase` outside `sharedConfig`.
    static func savedConnector(port: Int, password: String, database: String = "appdb") -> String {
        """
        {"uuid":"5a0b6f1e-58a4-4d0c-9a51-0c2f0e8e7d11","companyUUID":"0d3c1c2e-9e2b-4b71-a7a5-6c43b1f0a2aa",\
        "environmentUUID":"7f6c2b1a-3d4e-4f5a-8b9c-0d1e2f3a4b5c","label":"prod postgres","connectionLabel":"",\
        "createdAt":"2026-11-02T09:15:00Z","updatedAt":"2026-11-30T17:40:12.5Z","isValid":true,\
        "type":"postgresql","dataPlaneName":null,"privateLinkUUID":null,"snapshotPrivateLinkUUID":null,\
        "sshTunnelUUID":null,"defaultDatabase":"\(database)",\
        "sharedConfig":{"host":"127.0.0.1","port":\(port),"user":"artie","password":"\(password)",\
        "snapshotHost":"","sslMode":"disable"}}
        """
    }

    /// `raise_for_status()` must pass (the agent then reads `error`), and the text it shows carries the fix.
    @Test func pingASavedConnectorThatFails() async throws {
        try await withTestAPI { client, context in
            let port = closedPort()
            let response = try await client.execute(
                uri: "/connectors/ping", method: .post, headers: Self.httpx(context.key),
                body: ByteBuffer(string: Self.savedConnector(port: port, password: #"planted-MCP-pw/+=\"é"#)))
            #expect(response.status == .ok, "\(response.text)")
            let error = try #require(response.errorMessage, "\(response.text)")
            #expect(error.contains("127.0.0.1:\(port) refused the connection"), "\(error)")
            #expect(error.contains("Check the port"), "\(error)")
            #expect(!response.text.contains("planted-MCP-pw"))
        }
    }

    /// The same tool against a database that works: 204 and no body, which the tool shows as "Ping successful".
    @Test(
        .enabled(
            if: TestEnvironment.postgres() != nil || TestEnvironment.requireIntegration,
            "needs scripts/test-servers.sh (PostgreSQL)"))
    func pingASavedConnectorThatWorks() async throws {
        let pg = try #require(TestEnvironment.postgres())
        try await withTestAPI(defaultTimeout: .seconds(10)) { client, context in
            let saved = Self.savedConnector(port: pg.port, password: pg.scramPassword, database: pg.database)
                .replacingOccurrences(of: #""user":"artie""#, with: #""user":"\#(pg.scramUser)""#)
            let response = try await client.execute(
                uri: "/connectors/ping", method: .post, headers: Self.httpx(context.key),
                body: ByteBuffer(string: saved))
            #expect(response.status == .noContent, "\(response.text)")
            #expect(response.body.readableBytes == 0)
        }
    }
}
