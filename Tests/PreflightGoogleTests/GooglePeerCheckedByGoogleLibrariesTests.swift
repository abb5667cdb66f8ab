import Foundation
import PreflightCore
import PreflightTestSupport
import Testing

/// FakeGoogle read by Google's own Python libraries (google-auth, google-cloud-storage) before the
/// probe's tests against it mean anything: the token exchange with a real signed assertion, bucket
/// listing, a bucket's testIamPermissions (what GCS destination readiness reads), Cloud Storage's
/// NotFound, and Cloud Resource Manager's projects.testIamPermissions (BigQuery destination readiness).
@Suite struct GooglePeerCheckedByGoogleLibrariesTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/peers/google_client_check.py").path

    @Test func googleLibrariesReadThePeer() async throws {
        let fake = FakeGoogle.standard()
        let server = try await ScriptedHTTPServer.start(tls: true) { fake.handle($0) }
        defer { Task { await server.stop() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gcp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ca = directory.appendingPathComponent("ca.pem")
        let key = directory.appendingPathComponent("key.json")
        try TestPKI.caPEM.write(to: ca, atomically: true, encoding: .utf8)
        try GoogleTesting.keyFile(tokenURI: server.endpoint + "/token").write(
            to: key, atomically: true, encoding: .utf8)
        let run = try await IndependentVerifier.python([Self.script, server.endpoint, key.path, ca.path])
        #expect(run.status == 0, "\(run.stderr)")
        let seen = try #require(JSONValue.parse(Array(run.stdout.utf8)), "\(run.stdout) \(run.stderr)")
        #expect(seen["token_type"]?.stringValue == "Bearer")
        #expect(seen["buckets"] == .array([.string("acme-closed")]))
        #expect(
            seen["landing"]
                == .array([
                    .string("storage.objects.create"), .string("storage.objects.delete"),
                    .string("storage.objects.list"),
                ]))
        #expect(seen["readonly"] == .array([.string("storage.objects.list")]))
        #expect(seen["missing_delete"]?.stringValue == "NotFound")
        #expect(seen["project"] == .array([.string("bigquery.datasets.create"), .string("bigquery.tables.create")]))
        #expect(fake.seenAssertions.withLock { $0.count } == 1, "google-auth's own assertion was accepted")
    }
}
