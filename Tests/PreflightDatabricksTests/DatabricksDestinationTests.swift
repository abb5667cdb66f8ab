import Foundation
import PreflightCore
import PreflightDatabricks
import PreflightEngine
import PreflightTestSupport
import Testing

/// Destination readiness against `FakeDatabricks`, whose answers Databricks' own Python SDK reads first
/// (`scripts/peers/databricks_sdk_check.py`).
@Suite("Databricks destination readiness: Unity Catalog grants and the write test")
struct DatabricksDestinationTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/peers/databricks_sdk_check.py").path
    static let volumeGrant = "GRANT WRITE VOLUME ON VOLUME `main`.`raw`.`files` TO `dana@example.com`;"

    @Test("the peer checked by databricks-sdk: SCIM Me, paginated effective permissions, owners, Files API")
    func sdkReadsThePeer() async throws {
        let fake = DatabricksTesting.fake(owners: ["main.raw": "data-eng"])
        let server = try await DatabricksTesting.start(fake)
        defer { Task { await server.stop() } }
        let ca = FileManager.default.temporaryDirectory.appendingPathComponent("dbx-ca-\(UUID().uuidString).pem")
        try TestPKI.caPEM.write(to: ca, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: ca) }
        let run = try await IndependentVerifier.python([
            Self.script, server.endpoint,
            DatabricksTesting.pat, ca.path, "main.raw.files", "main.raw", DatabricksTesting.warehouseID,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let seen = try #require(JSONValue.parse(Array(run.stdout.utf8)), "\(run.stdout) \(run.stderr)")
        #expect(seen["user"]?.stringValue == DatabricksTesting.user)
        #expect(seen["groups"] == .array([.string("data-eng"), .string("users")]))
        #expect(seen["volume_pages"]?.intValue == 2, "three principals, two per page")
        #expect(
            seen["volume_grants"]?["data-eng"]
                == .array([.array([.string("USE_CATALOG"), .string("CATALOG")])]))
        #expect(seen["volume_owner"]?.stringValue == "admins")
        #expect(seen["schema_owner"]?.stringValue == "data-eng")
        #expect(seen["warehouse_state"]?.stringValue == "RUNNING")
        #expect(seen["write"]?.stringValue == "put and deleted")
        #expect(fake.volumeFiles.isEmpty)
    }

    @Test("every grant in place (some through a group, over two pages): readiness passes")
    func ready() async throws {
        let fake = DatabricksTesting.fake()
        let server = try await DatabricksTesting.start(fake)
        defer { Task { await server.stop() } }
        let report = try await DatabricksTesting.ping(
            DatabricksTesting.engine(),
            DatabricksTesting.payload(
                host: server.endpoint, pat: DatabricksTesting.pat, volume: "main.raw.files", schema: "main.raw"))
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("readiness")?.status == .passed)
        #expect(report.check("volume_write")?.status == .passed)
        #expect(
            report.check("volume_write")?.observed
                == "USE CATALOG, USE SCHEMA, READ VOLUME, WRITE VOLUME for dana@example.com (with its groups users, data-eng)"
        )
        #expect(report.check("schema_create_table")?.status == .passed)
        let paths = server.requests.map(\.path)
        #expect(paths.filter { $0.contains("effective-permissions/volume/") }.count == 2)
        #expect(paths.contains("/api/2.0/preview/scim/v2/Me?attributes=userName,groups"))
        #expect(!server.requests.contains { $0.method != "GET" }, "nothing is written without writeTest")
    }

    @Test("WRITE VOLUME missing: permission, with the GRANT statement")
    func missingWrite() async throws {
        var grants = DatabricksTesting.fullGrants
        grants["main.raw.files"] = [DatabricksTesting.user: ["READ_VOLUME"]]
        let fake = DatabricksTesting.fake(grants: grants)
        let server = try await DatabricksTesting.start(fake)
        defer { Task { await server.stop() } }
        let report = try await DatabricksTesting.ping(
            DatabricksTesting.engine(),
            DatabricksTesting.payload(
                host: server.endpoint, pat: DatabricksTesting.pat, volume: "main.raw.files", writeTest: true))
        #expect(report.category == .permission, "\(report.summary)")
        #expect(report.message?.contains("WRITE VOLUME missing for dana@example.com") == true, "\(report.summary)")
        #expect(report.hint == "Fix: " + Self.volumeGrant)
        #expect(report.check("volume_write")?.fix == Self.volumeGrant)
        #expect(report.step("write_test")?.status == .skipped)
        #expect(!server.requests.contains { $0.method == "PUT" })
    }

    @Test("USE CATALOG through a group the user is not in does not count")
    func otherGroup() async throws {
        let fake = DatabricksTesting.fake(groups: ["users"])
        let server = try await DatabricksTesting.start(fake)
        defer { Task { await server.stop() } }
        let report = try await DatabricksTesting.ping(
            DatabricksTesting.engine(),
            DatabricksTesting.payload(host: server.endpoint, pat: DatabricksTesting.pat, volume: "main.raw.files"))
        #expect(report.category == .permission, "\(report.summary)")
        #expect(
            report.check("volume_write")?.fix == "GRANT USE CATALOG ON CATALOG `main` TO `dana@example.com`;")
    }

    @Test("ALL PRIVILEGES on the catalog, and ownership of the volume, count")
    func allPrivilegesAndOwner() async throws {
        let everything = DatabricksTesting.fake(grants: ["main": ["users": ["ALL_PRIVILEGES"]]])
        let owned = DatabricksTesting.fake(
            grants: ["main": ["account users": ["USE_CATALOG"]], "main.raw": ["data-eng": ["USE_SCHEMA"]]],
            owners: ["main.raw.files": DatabricksTesting.user])
        for fake in [everything, owned] {
            let server = try await DatabricksTesting.start(fake)
            defer { Task { await server.stop() } }
            let report = try await DatabricksTesting.ping(
                DatabricksTesting.engine(),
                DatabricksTesting.payload(
                    host: server.endpoint, pat: DatabricksTesting.pat, volume: "main.raw.files"))
            #expect(report.ok, "\(report.summary)")
            #expect(report.check("volume_write")?.status == .passed)
        }
    }

    @Test("a schema that does not exist: permission, with CREATE SCHEMA")
    func schemaMissing() async throws {
        let fake = DatabricksTesting.fake()
        let server = try await DatabricksTesting.start(fake)
        defer { Task { await server.stop() } }
        let report = try await DatabricksTesting.ping(
            DatabricksTesting.engine(),
            DatabricksTesting.payload(host: server.endpoint, pat: DatabricksTesting.pat, schema: "main.gone"))
        #expect(report.category == .permission, "\(report.summary)")
        #expect(
            report.check("schema_create_table")?.fix?.hasPrefix("CREATE SCHEMA IF NOT EXISTS `main`.`gone`;") == true)
    }

    @Test("a peer that echoes the token in the principal's and groups' names: it never reaches the report")
    func echoedToken() async throws {
        let fake = DatabricksTesting.fake(echoBearerIn403: true)
        let server = try await DatabricksTesting.start(fake)
        defer { Task { await server.stop() } }
        let report = try await DatabricksTesting.ping(
            DatabricksTesting.engine(),
            DatabricksTesting.payload(host: server.endpoint, pat: DatabricksTesting.pat, volume: "main.raw.files"))
        // The echoed names match no grant: permission, and DatabricksTesting.ping found no planted secret.
        #expect(report.category == .permission, "\(report.summary)")
        #expect(report.check("volume_write")?.fix?.contains("[redacted]") == true)
    }

    @Test("nothing named: a warning, never a silent pass")
    func nothingNamed() async throws {
        let fake = DatabricksTesting.fake()
        let server = try await DatabricksTesting.start(fake)
        defer { Task { await server.stop() } }
        let report = try await DatabricksTesting.ping(
            DatabricksTesting.engine(),
            DatabricksTesting.payload(host: server.endpoint, pat: DatabricksTesting.pat, writeTest: true))
        #expect(report.ok, "\(report.summary)")
        #expect(report.check("write_permissions")?.status == .warning)
        #expect(report.step("readiness")?.status == .warning)
        #expect(report.step("write_test")?.status == .skipped)
    }

    @Test("a service principal (OAuth M2M) is checked under its application id")
    func servicePrincipal() async throws {
        let grants: [String: [String: [String]]] = [
            "main": [DatabricksTesting.clientID: ["USE_CATALOG", "USE_SCHEMA", "READ_VOLUME"]]
        ]
        let fake = DatabricksTesting.fake(grants: grants)
        let server = try await DatabricksTesting.start(fake)
        defer { Task { await server.stop() } }
        let payload = DatabricksTesting.payload(
            host: server.endpoint, clientID: DatabricksTesting.clientID,
            clientSecret: DatabricksTesting.clientSecret, volume: "main.raw.files")
        let report = try await DatabricksTesting.ping(
            DatabricksTesting.engine(), payload, runtimeSecrets: fake.issuedTokens)
        #expect(report.category == .permission, "\(report.summary)")
        #expect(
            report.check("volume_write")?.fix
                == "GRANT WRITE VOLUME ON VOLUME `main`.`raw`.`files` TO `\(DatabricksTesting.clientID)`;")
    }

    @Test("writeTest: one empty file put and deleted, nothing left; a refused delete names the leftover")
    func writeTest() async throws {
        for refuseDelete in [false, true] {
            let fake = DatabricksTesting.fake(refuseDelete: refuseDelete)
            let server = try await DatabricksTesting.start(fake)
            defer { Task { await server.stop() } }
            let report = try await DatabricksTesting.ping(
                DatabricksTesting.engine(),
                DatabricksTesting.payload(
                    host: server.endpoint, pat: DatabricksTesting.pat, volume: "main.raw.files", writeTest: true))
            #expect(report.ok, "\(report.summary)")
            let step = try #require(report.step("write_test"))
            let puts = server.requests.filter { $0.method == "PUT" }
            #expect(puts.count == 1)
            #expect(puts.first?.path.hasPrefix("/api/2.0/fs/files/Volumes/main/raw/files/preflight_") == true)
            #expect(puts.first?.body.isEmpty == true)
            if refuseDelete {
                #expect(step.status == .warning)
                #expect(fake.volumeFiles.count == 1)
                let leftover = try #require(fake.volumeFiles.first)
                #expect(step.detail?.contains(leftover) == true, "\(step.detail ?? "")")
                #expect(step.hint == "delete it: databricks fs rm dbfs:\(leftover)")
            } else {
                #expect(step.status == .passed)
                #expect(step.detail?.hasSuffix("and deleted it: nothing is left") == true)
                #expect(fake.volumeFiles.isEmpty)
            }
        }
    }
}
