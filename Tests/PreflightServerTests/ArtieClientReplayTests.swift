import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import PreflightTestSupport
import Testing

/// Artie's own clients, replayed call by call: what Terraform's provider and the MCP server send (no
/// `Content-Type`, every key of every type with Go's zero values, `"port": 0`, whole saved objects)
/// and what they need back. If one of these fails, a customer's `terraform apply` fails.
@Suite("Artie's clients, replayed")
struct ArtieClientReplayTests {
    /// Terraform's provider: only a bearer key, no content type.
    static func terraform(_ key: String) -> HTTPFields { [.authorization: "Bearer \(key)"] }

    static func post(_ client: any TestClientProtocol, _ uri: String, _ body: String, _ headers: HTTPFields)
        async throws -> TestResponse
    {
        try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    /// The TestConnection of a MongoDB source as the provider sends it: its config struct has no port,
    /// so Go sends 0, and every other key of every type comes as its zero value.
    @Test func terraformMongoDBTestConnection() async throws {
        try await withTestAPI { client, context in
            let body = """
                {"type":"mongodb","sharedConfig":{"host":"mongodb://127.0.0.1:\(closedPort())/app","port":0,\
                "user":"artie","password":"planted-Terraform-pw","database":"","snapshotHost":"","tlsMode":"",\
                "awsRegion":"","awsAccessKeyID":"","awsSecretAccessKey":"","streamsArn":"","isInsecure":false,\
                "addresses":null,"personalAccessToken":"","privateKey":""},"dataPlaneName":"","sshTunnelUUID":""}
                """
            let response = try await Self.post(client, "/connectors/ping", body, Self.terraform(context.key))
            #expect(response.status == .ok, "\(response.text)")
            let error = try #require(response.errorMessage)
            #expect(!error.isEmpty)
            #expect(error.contains("refused the connection"), "\(error)")
            #expect(!error.contains("sharedConfig.port"), "port 0 was taken as a port: \(error)")
            #expect(!response.text.contains("planted-Terraform-pw"))
        }
    }

    /// The same call for a type the provider models with a port: 204 is all it reads on success; a
    /// failure's `error` becomes "failed to connect to destination: <error>" in the user's terminal.
    @Test func terraformPostgresTestConnectionError() async throws {
        try await withTestAPI { client, context in
            let port = closedPort()
            let body = """
                {"type":"postgresql","sharedConfig":{"host":"127.0.0.1","port":\(port),"user":"artie",\
                "password":"planted-Terraform-pw","snapshotHost":""},"dataPlaneName":"","sshTunnelUUID":""}
                """
            let response = try await Self.post(client, "/connectors/ping", body, Self.terraform(context.key))
            #expect(response.status == .ok)
            #expect(response.jsonKeys == ["error", "report"])
            let error = try #require(response.errorMessage)
            #expect(error.contains("127.0.0.1:\(port) refused the connection"), "\(error)")
            #expect(error.contains("Check the port"), "the fix is missing from the error: \(error)")
        }
    }

    /// The provider's and the MCP server's SSH tunnel calls: no content type on create and update,
    /// `environmentUUID` required in every answer (artie-mcp fails on "missing required output").
    @Test func tunnelResourceAsTerraformAndMCPUseIt() async throws {
        try await withTestAPI { client, context in
            let headers = Self.terraform(context.key)
            let created = try await Self.post(
                client, "/ssh-tunnels",
                #"{"name":"prod bastion","host":"bastion.example.com","port":22,"username":"artie"}"#,
                headers)
            #expect(created.status == .ok, "\(created.text)")
            let tunnel = try #require(try JSONSerialization.jsonObject(with: Data(created.text.utf8)) as? [String: Any])
            let uuid = try #require(tunnel["uuid"] as? String)
            let environment = try #require(tunnel["environmentUUID"] as? String, "no environmentUUID: \(created.text)")
            #expect(UUID(uuidString: environment) != nil)
            #expect(uuid == uuid.lowercased() && environment == environment.lowercased())

            let fetched = try await client.execute(uri: "/ssh-tunnels/\(uuid)", method: .get, headers: headers)
            let again = try JSONSerialization.jsonObject(with: Data(fetched.text.utf8)) as? [String: Any]
            #expect(again?["environmentUUID"] as? String == environment, "the default environment is not stable")

            let updated = try await Self.post(client, "/ssh-tunnels/\(uuid)", #"{"port":2222}"#, headers)
            #expect(updated.status == .ok, "\(updated.text)")
            #expect(updated.text.contains("2222"))

            let wrongMethod = try await client.execute(uri: "/ssh-tunnels/\(uuid)", method: .put, headers: headers)
            #expect(wrongMethod.status == .methodNotAllowed, "\(wrongMethod.text)")
            #expect(wrongMethod.headers[.allow]?.contains("DELETE") == true)

            for host in ["-bad", "bad-", "🙂.example.com", "a b", "db\r\n.example.com"] {
                let body =
                    "{\"host\":\(String(data: try JSONEncoder().encode(host), encoding: .utf8)!),\"username\":\"u\"}"
                let refused = try await Self.post(client, "/ssh-tunnels", body, headers)
                #expect(refused.status == .badRequest, "\(host): \(refused.text)")
            }

            let deleted = try await client.execute(uri: "/ssh-tunnels/\(uuid)", method: .delete, headers: headers)
            #expect(deleted.status == .noContent)
        }
    }
}
