import Foundation
import PreflightCore
import PreflightTestSupport
import Testing

@testable import PreflightAWS

/// Iceberg REST destination readiness against `FakeIcebergCatalog`, which pyiceberg's RestCatalog reads
/// first (`scripts/peers/iceberg_rest_check.py`).
@Suite("Iceberg REST destination readiness: namespace, staged create, write test")
struct IcebergDestinationTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/peers/iceberg_rest_check.py").path

    static func start(_ fake: FakeIcebergCatalog) async throws -> ScriptedHTTPServer {
        try await ScriptedHTTPServer.start(tls: true) { fake.handle($0) }
    }

    static func payload(_ server: ScriptedHTTPServer, token: String, _ extra: [String: String] = [:])
        -> ConnectorPayload
    {
        AWSTesting.payload(
            .iceberg,
            ["provider": "rest", "uri": server.endpoint + "/api", "token": token, "sslRootCert": TestPKI.caPEM]
                .merging(extra) { $1 })
    }

    static func ping(_ payload: ConnectorPayload) async throws -> PingReport {
        try await AWSTesting.ping(
            AWSTesting.engine(), payload, secrets: [FakeIcebergCatalog.writerToken, FakeIcebergCatalog.readerToken])
    }

    @Test(
        "the catalog checked by pyiceberg: prefix, 0x1F namespaces, staged create, create and purge, a reader refused")
    func pyicebergReadsTheCatalog() async throws {
        let fake = FakeIcebergCatalog()
        let server = try await Self.start(fake)
        defer { Task { await server.stop() } }
        let ca = FileManager.default.temporaryDirectory.appendingPathComponent("iceberg-ca-\(UUID().uuidString).pem")
        try TestPKI.caPEM.write(to: ca, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: ca) }
        let run = try await IndependentVerifier.python([
            Self.script, server.endpoint + "/api", FakeIcebergCatalog.writerToken, FakeIcebergCatalog.readerToken,
            ca.path, "lake.raw",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let seen = try #require(JSONValue.parse(Array(run.stdout.utf8)), "\(run.stdout) \(run.stderr)")
        #expect(seen["namespaces"] == .array([.string("analytics"), .string("lake.raw")]))
        #expect(seen["properties"]?["owner"]?.stringValue == "admin")
        #expect(seen["missing"]?.stringValue == "NoSuchNamespaceError")
        #expect(seen["created_schema"] == .array([.string("id")]))
        #expect(seen["reader_staged"]?.stringValue?.contains("CREATE_TABLE_STAGED") == true)
        #expect(fake.committed.isEmpty, "the staged create stored nothing and the created table was purged")
        #expect(server.requests.contains { $0.path.hasPrefix("/api/v1/cat-1/namespaces/lake%1Fraw") })
    }

    @Test("a writer on a two-level namespace: every check passes, and nothing is committed")
    func writerPasses() async throws {
        let fake = FakeIcebergCatalog()
        let server = try await Self.start(fake)
        defer { Task { await server.stop() } }
        let report = try await Self.ping(
            Self.payload(server, token: FakeIcebergCatalog.writerToken, ["namespace": "lake.raw"]))
        #expect(report.ok, "\(report.summary)")
        #expect(report.step("readiness")?.status == .passed)
        #expect(report.check("catalog_writes")?.observed == "both advertised by /v1/config")
        #expect(report.check("namespace_exists")?.status == .passed)
        #expect(report.check("table_create")?.status == .passed)
        #expect(report.check("table_create")?.observed.contains("stage-create: nothing committed") == true)
        let staged = try #require(server.requests.first { $0.method == "POST" && $0.path.hasSuffix("/tables") })
        #expect(staged.path == "/api/v1/cat-1/namespaces/lake%1Fraw/tables")
        #expect(JSONValue.parse(staged.body)?["stage-create"] == .bool(true))
        #expect(fake.committed.isEmpty)
        #expect(report.step("write_test") == nil)
    }

    @Test("a reader: permission, naming the refused staged create and the grant")
    func readerRefused() async throws {
        let fake = FakeIcebergCatalog()
        let server = try await Self.start(fake)
        defer { Task { await server.stop() } }
        let report = try await Self.ping(
            Self.payload(
                server, token: FakeIcebergCatalog.readerToken, ["namespace": "analytics", "writeTest": "true"]))
        #expect(report.category == .permission, "\(report.summary)")
        #expect(report.message?.contains("table_create") == true)
        #expect(report.message?.contains("ForbiddenException") == true, "\(report.message ?? "")")
        #expect(report.hint?.contains("TABLE_CREATE") == true)
        #expect(report.step("write_test")?.status == .skipped)
    }

    @Test("a namespace that does not exist: permission, with CREATE NAMESPACE")
    func missingNamespace() async throws {
        let fake = FakeIcebergCatalog()
        let server = try await Self.start(fake)
        defer { Task { await server.stop() } }
        let report = try await Self.ping(
            Self.payload(server, token: FakeIcebergCatalog.writerToken, ["namespace": "lake.gold"]))
        #expect(report.category == .permission, "\(report.summary)")
        #expect(report.check("namespace_exists")?.fix?.hasPrefix("create it: CREATE NAMESPACE `lake`.`gold`") == true)
        #expect(report.check("table_create") == nil)
    }

    @Test("a catalog without staged creates, or without a namespace named: warnings that say how to prove it")
    func unproven() async throws {
        let fake = FakeIcebergCatalog(stagedCreates: false)
        let server = try await Self.start(fake)
        defer { Task { await server.stop() } }
        let noStage = try await Self.ping(
            Self.payload(server, token: FakeIcebergCatalog.writerToken, ["namespace": "analytics"]))
        #expect(noStage.ok, "\(noStage.summary)")
        #expect(noStage.check("table_create")?.status == .warning)
        #expect(noStage.check("table_create")?.fix?.hasPrefix("to prove it, set writeTest: true") == true)
        let unnamed = try await Self.ping(Self.payload(server, token: FakeIcebergCatalog.writerToken))
        #expect(unnamed.ok, "\(unnamed.summary)")
        #expect(unnamed.check("table_create")?.observed == "not checked: no namespace named")
    }

    @Test("a catalog that advertises no table creation fails catalog_writes; one that lists nothing passes")
    func endpoints() async throws {
        let readOnly = FakeIcebergCatalog(endpoints: ["GET /v1/{prefix}/namespaces"])
        let legacy = FakeIcebergCatalog(endpoints: nil)
        for (fake, ok) in [(readOnly, false), (legacy, true)] {
            let server = try await Self.start(fake)
            defer { Task { await server.stop() } }
            let report = try await Self.ping(Self.payload(server, token: FakeIcebergCatalog.writerToken))
            #expect(report.ok == ok, "\(report.summary)")
            #expect(report.check("catalog_writes")?.status == (ok ? .passed : .failed))
        }
    }

    @Test("writeTest: one empty table created and purged; a refused drop names the leftover")
    func writeTest() async throws {
        for refuseDrop in [false, true] {
            let fake = FakeIcebergCatalog(refuseDrop: refuseDrop)
            let server = try await Self.start(fake)
            defer { Task { await server.stop() } }
            let report = try await Self.ping(
                Self.payload(
                    server, token: FakeIcebergCatalog.writerToken, ["namespace": "analytics", "writeTest": "true"]))
            #expect(report.ok, "\(report.summary)")
            let step = try #require(report.step("write_test"))
            let deletes = server.requests.filter { $0.method == "DELETE" }
            #expect(deletes.count == 1)
            #expect(deletes.first?.path.hasSuffix("?purgeRequested=true") == true)
            if refuseDrop {
                #expect(step.status == .warning)
                let leftover = try #require(fake.committed.first)
                #expect(step.detail?.contains(leftover) == true, "\(step.detail ?? "")")
                #expect(step.hint?.hasPrefix("DROP TABLE `analytics`.`preflight_") == true)
            } else {
                #expect(step.status == .passed)
                #expect(fake.committed.isEmpty)
            }
        }
    }

    @Test("namespace levels: dotted, at most 8, no control characters")
    func namespaceKey() throws {
        #expect(try IcebergRESTConfig.namespaceLevels("lake.raw") == ["lake", "raw"])
        #expect(throws: InvalidConfig.self) { try IcebergRESTConfig.namespaceLevels("lake..raw") }
        #expect(throws: InvalidConfig.self) { try IcebergRESTConfig.namespaceLevels("a\u{1F}b") }
        #expect(IcebergREST.namespacePath(prefix: "cat-1", namespace: ["a", "b"]) == "/v1/cat-1/namespaces/a%1Fb")
    }
}
