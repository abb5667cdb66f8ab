import Foundation
import PreflightCore
import PreflightDatabricks
import PreflightEngine
import PreflightTestSupport
import Testing

/// Pings against `FakeDatabricks` over HTTPS (TestPKI), which checks tokens and client credentials.
@Suite("Databricks against a local workspace peer")
struct DatabricksPeerTests {
    @Test("a personal access token and a running warehouse")
    func patRunning() async throws {
        let fake = DatabricksTesting.fake()
        let server = try await DatabricksTesting.start(fake)
        defer { Task { await server.stop() } }
        let report = try await DatabricksTesting.ping(
            DatabricksTesting.engine(), DatabricksTesting.payload(host: server.endpoint, pat: DatabricksTesting.pat))
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("warehouse")?.status == .passed)
        #expect(
            report.step("warehouse")?.detail
                == "SQL warehouse 1234567890abcdef (Serverless Starter) is RUNNING, size Small, 1 cluster")
        #expect(report.step("oauth_token") == nil)
        #expect(server.requests.first?.header("Authorization") == "Bearer \(DatabricksTesting.pat)")
    }

    @Test("OAuth M2M: the token is fetched with basic auth and used; it never appears in the report")
    func oauth() async throws {
        let fake = DatabricksTesting.fake(grants: [
            "main": [DatabricksTesting.clientID: ["USE_CATALOG", "USE_SCHEMA", "READ_VOLUME", "WRITE_VOLUME"]]
        ])
        let server = try await DatabricksTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = DatabricksTesting.payload(
            host: server.endpoint, clientID: DatabricksTesting.clientID,
            clientSecret: DatabricksTesting.clientSecret, volume: "main.raw.files")
        let report = try await DatabricksTesting.ping(
            DatabricksTesting.engine(), payload, runtimeSecrets: fake.issuedTokens)
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("oauth_token")?.status == .passed)
        #expect(report.step("volume")?.detail == "volume main.raw.files exists (managed)")
        #expect(fake.issuedTokens.count == 1)
        #expect(
            server.requests.map(\.pathOnly) == [
                "/oidc/v1/token", "/api/2.0/sql/warehouses/1234567890abcdef",
                "/api/2.1/unity-catalog/volumes/main.raw.files", "/api/2.0/preview/scim/v2/Me",
                "/api/2.1/unity-catalog/effective-permissions/volume/main.raw.files",
            ])
    }

    @Test("a wrong client secret: auth, invalid_client")
    func wrongSecret() async throws {
        let fake = DatabricksTesting.fake()
        let server = try await DatabricksTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = DatabricksTesting.payload(
            host: server.endpoint, clientID: DatabricksTesting.clientID, clientSecret: "planted-wrong-secret")
        let report = try await DatabricksTesting.ping(DatabricksTesting.engine(), payload)
        #expect(report.category == .auth, "\(report.summary)")
        #expect(report.message?.contains("invalid_client") == true)
        #expect(report.step("oauth_token")?.status == .failed)
    }

    @Test("a wrong personal access token: auth")
    func wrongToken() async throws {
        let fake = DatabricksTesting.fake()
        let server = try await DatabricksTesting.start(fake)
        defer { Task { await server.stop() } }
        let report = try await DatabricksTesting.ping(
            DatabricksTesting.engine(),
            DatabricksTesting.payload(host: server.endpoint, pat: "dapi-planted-wrong-token"))
        #expect(report.category == .auth, "\(report.summary)")
    }

    @Test("a stopped warehouse passes with a warning that it starts on the first query")
    func stopped() async throws {
        let fake = DatabricksTesting.fake(state: "STOPPED")
        let server = try await DatabricksTesting.start(fake)
        defer { Task { await server.stop() } }
        let report = try await DatabricksTesting.ping(
            DatabricksTesting.engine(), DatabricksTesting.payload(host: server.endpoint, pat: DatabricksTesting.pat))
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("warehouse")?.status == .warning)
        #expect(report.step("warehouse")?.detail?.contains("starts on the first query") == true)
    }

    @Test("a deleted warehouse: database_not_found")
    func deleted() async throws {
        let fake = DatabricksTesting.fake(state: "DELETED")
        let server = try await DatabricksTesting.start(fake)
        defer { Task { await server.stop() } }
        let report = try await DatabricksTesting.ping(
            DatabricksTesting.engine(), DatabricksTesting.payload(host: server.endpoint, pat: DatabricksTesting.pat))
        #expect(report.category == .databaseNotFound, "\(report.summary)")
    }

    @Test("an unknown warehouse: database_not_found with RESOURCE_DOES_NOT_EXIST")
    func unknownWarehouse() async throws {
        let fake = DatabricksTesting.fake()
        let server = try await DatabricksTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = DatabricksTesting.payload(
            host: server.endpoint, httpPath: "/sql/1.0/endpoints/ffffffffffffffff", pat: DatabricksTesting.pat)
        let report = try await DatabricksTesting.ping(DatabricksTesting.engine(), payload)
        #expect(report.category == .databaseNotFound, "\(report.summary)")
        #expect(report.message?.contains("RESOURCE_DOES_NOT_EXIST") == true)
    }

    @Test("a warehouse the principal may not use: permission; an echoed access token is redacted")
    func forbidden() async throws {
        let fake = DatabricksTesting.fake(allowed: false, echoBearerIn403: true)
        let server = try await DatabricksTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = DatabricksTesting.payload(
            host: server.endpoint, clientID: DatabricksTesting.clientID, clientSecret: DatabricksTesting.clientSecret)
        let report = try await DatabricksTesting.ping(
            DatabricksTesting.engine(), payload, runtimeSecrets: fake.issuedTokens)
        #expect(report.category == .permission, "\(report.summary)")
        #expect(report.message?.contains("PERMISSION_DENIED") == true)
        #expect(report.message?.contains("[redacted]") == true)
        #expect(report.hint?.contains("CAN USE") == true)
    }

    @Test(
        "volumes: missing is database_not_found, unreadable is permission",
        arguments: [
            ("main.raw.nothing", FailureCategory.databaseNotFound),
            ("main.raw.secret", .permission),
        ])
    func volumes(volume: String, category: FailureCategory) async throws {
        let fake = DatabricksTesting.fake()
        let server = try await DatabricksTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = DatabricksTesting.payload(host: server.endpoint, pat: DatabricksTesting.pat, volume: volume)
        let report = try await DatabricksTesting.ping(DatabricksTesting.engine(), payload)
        #expect(report.category == category, "\(report.summary)")
        #expect(report.message?.contains(volume) == true)
    }

    @Test("a cluster path reads the cluster's state")
    func cluster() async throws {
        let fake = DatabricksTesting.fake()
        let server = try await DatabricksTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = DatabricksTesting.payload(
            host: server.endpoint, httpPath: "sql/protocolv1/o/1234567890123456/0123-456789-abcdefgh",
            pat: DatabricksTesting.pat)
        let report = try await DatabricksTesting.ping(DatabricksTesting.engine(), payload)
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("cluster")?.status == .warning)
        #expect(report.step("cluster")?.detail?.contains("TERMINATED") == true)
        let unknown = DatabricksTesting.payload(
            host: server.endpoint, httpPath: "sql/protocolv1/o/1/0000-000000-nothing", pat: DatabricksTesting.pat)
        let missing = try await DatabricksTesting.ping(DatabricksTesting.engine(), unknown)
        #expect(missing.category == .databaseNotFound, "\(missing.summary)")
    }

    @Test("timing: ten pings against the local peer (token and OAuth)", .tags(.figures))
    func figures() async throws {
        let fake = DatabricksTesting.fake()
        let server = try await DatabricksTesting.start(fake)
        defer { Task { await server.stop() } }
        let engine = DatabricksTesting.engine()
        for (label, payload) in [
            ("token", DatabricksTesting.payload(host: server.endpoint, pat: DatabricksTesting.pat)),
            (
                "oauth",
                DatabricksTesting.payload(
                    host: server.endpoint, clientID: DatabricksTesting.clientID,
                    clientSecret: DatabricksTesting.clientSecret)
            ),
        ] {
            var times: [Double] = []
            for _ in 0..<10 {
                let report = try await engine.ping(payload)
                #expect(report.ok)
                times.append(report.durationMs)
            }
            print(
                "databricks \(label) ping against the local peer: ms per ping \(times.map { String(format: "%.1f", $0) }.joined(separator: ", "))"
            )
        }
    }
}

extension Tag {
    @Tag static var figures: Self
}
