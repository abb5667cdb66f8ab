import Foundation
import PreflightCore
import PreflightEngine
import PreflightGoogle
import PreflightHTTP
import PreflightTestSupport
import Testing

/// Whole pings against `FakeGoogle` over HTTPS (the test CA given as `sslRootCert`). The fake checks the
/// JWT the way Google does, so a passing ping proves the assertion is right, not just well-formed.
@Suite(.serialized) struct GoogleScriptedPeerTests {
    private func withFake(
        _ fake: FakeGoogle = .standard(), _ body: (FakeGoogle, ScriptedHTTPServer) async throws -> Void
    ) async throws {
        let server = try await ScriptedHTTPServer.start(tls: true) { request in fake.handle(request) }
        do { try await body(fake, server) } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func bigQueryHappyPath() async throws {
        try await withFake { fake, server in
            let report = try await GoogleTesting.ping(
                GoogleTesting.engine(), GoogleTesting.payload(for: server), runtimeSecrets: fake.issuedTokens)
            #expect(report.ok, "\(report.summary)")
            // One host serves both: the API calls reuse the token host's connection.
            #expect(
                report.steps.map(\.name) == [
                    "oauth_token_dns", "oauth_token_connect", "oauth_token_tls", "oauth_token", "list_datasets",
                    "query_permission", "readiness",
                ])
            #expect(
                report.step("oauth_token")?.detail?.contains("got a bigquery access token valid for 3599 s") == true)
            #expect(report.step("list_datasets")?.detail == "project acme-data reachable: 2 datasets (EU: 1, US: 1)")
            #expect(
                report.step("query_permission")?.detail
                    == "\(GoogleTesting.email) may create query jobs in project acme-data (location US)")
            let scope = "https://www.googleapis.com/auth/bigquery https://www.googleapis.com/auth/iam.test"
            #expect(fake.issuedScopes == [scope])
            let calls = server.requests.map { "\($0.method) \($0.path)" }
            #expect(
                calls == [
                    "POST /token", "GET /bigquery/v2/projects/acme-data/datasets?maxResults=50",
                    "POST /bigquery/v2/projects/acme-data/queries", "POST /v1/projects/acme-data:testIamPermissions",
                ])
            #expect(server.requests[2].text == #"{"dryRun":true,"query":"SELECT 1","useLegacySql":false}"#)
            #expect(
                server.requests[3].text
                    == #"{"permissions":["bigquery.datasets.create","bigquery.tables.create","bigquery.tables.updateData"]}"#
            )
            #expect(report.check("write_permissions")?.status == .passed, "\(report.summary)")
            #expect(report.check("dataset_create")?.status == .passed, "\(report.summary)")
            #expect(report.step("readiness")?.detail == "can write to project acme-data (2 checks passed)")
            for secret in fake.issuedTokens { #expect(!report.summary.contains(secret)) }
            try await Self.expectIndependentlyVerified(fake, server, scope: scope)
        }
    }

    /// The fake checks assertions with our own JWT code; this re-checks the one it accepted with Python's
    /// `cryptography` (strict base64url, RS256 against the registered key), claim by claim, and shows that
    /// a changed signature and a padded segment are refused.
    static func expectIndependentlyVerified(
        _ fake: FakeGoogle, _ server: ScriptedHTTPServer, scope: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let assertion = try #require(fake.seenAssertions.withLock { $0.first }, sourceLocation: sourceLocation)
        let verdicts = try await IndependentVerifier.jwt(
            assertion, keyPEM: GoogleTestKeys.registeredPublicPEM)
        #expect(verdicts.sent["ok"] as? Bool == true, "\(verdicts.sent)", sourceLocation: sourceLocation)
        #expect(verdicts.header["alg"] as? String == "RS256", sourceLocation: sourceLocation)
        #expect(verdicts.header["kid"] as? String == GoogleTestKeys.registeredKeyID, sourceLocation: sourceLocation)
        #expect(verdicts.claims["iss"] as? String == GoogleTesting.email, sourceLocation: sourceLocation)
        #expect(verdicts.claims["aud"] as? String == server.endpoint + "/token", sourceLocation: sourceLocation)
        #expect(verdicts.claims["scope"] as? String == scope, sourceLocation: sourceLocation)
        let issuedAt = try #require(verdicts.claims["iat"] as? Int, sourceLocation: sourceLocation)
        let expires = try #require(verdicts.claims["exp"] as? Int, sourceLocation: sourceLocation)
        #expect(expires > issuedAt && expires - issuedAt <= 3600, sourceLocation: sourceLocation)
        #expect(
            verdicts.tamperedSignature["problem"] as? String == "bad signature", "\(verdicts.tamperedSignature)",
            sourceLocation: sourceLocation)
        #expect(
            verdicts.paddedClaims["problem"] as? String == "undecodable: not unpadded base64url",
            "\(verdicts.paddedClaims)", sourceLocation: sourceLocation)
    }

    @Test func bigQueryDatasetInTheConfiguredLocation() async throws {
        try await withFake { fake, server in
            let payload = GoogleTesting.payload(for: server, extra: ["dataset": "events", "location": "eu"])
            let report = try await GoogleTesting.ping(
                GoogleTesting.engine(), payload, runtimeSecrets: fake.issuedTokens)
            #expect(report.ok, "\(report.summary)")
            #expect(report.step("list_datasets")?.detail == "project acme-data reachable; datasets can be listed")
            #expect(
                report.step("dataset")?.detail == "dataset acme-data:events found in EU (matches sharedConfig.location)"
            )
            #expect(server.requests.map(\.path).contains("/bigquery/v2/projects/acme-data/datasets/events"))
            #expect(report.step("query_permission")?.detail?.hasSuffix("(location EU)") == true)
            let query = server.requests.first { $0.path == "/bigquery/v2/projects/acme-data/queries" }
            #expect(query?.text.contains(#""location":"EU""#) == true)
        }
    }

    @Test func bigQueryWithoutTheRightToCreateJobs() async throws {
        try await withFake(.standard(echoTokenInErrors: true)) { fake, server in
            let report = try await GoogleTesting.ping(
                GoogleTesting.engine(), GoogleTesting.payload(for: server, projectID: "viewer-project"),
                runtimeSecrets: fake.issuedTokens)
            #expect(report.category == .permission, "\(report.summary)")
            #expect(report.step("list_datasets")?.status == .passed)
            #expect(report.step("query_permission")?.status == .failed)
            #expect(report.message?.contains("bigquery.jobs.create") == true)
            #expect(report.hint?.contains("roles/bigquery.jobUser") == true)
        }
    }

    @Test func bigQueryWithoutWriteRightsIsPermissionWithTheGrants() async throws {
        try await withFake { fake, server in
            let report = try await GoogleTesting.ping(
                GoogleTesting.engine(), GoogleTesting.payload(for: server, projectID: "dataset-project"),
                runtimeSecrets: fake.issuedTokens)
            #expect(report.category == .permission, "\(report.summary)")
            #expect(report.step("query_permission")?.status == .passed)
            let email = GoogleTesting.email
            let write = try #require(report.check("write_permissions"), "\(report.summary)")
            #expect(write.status == .failed)
            #expect(
                write.observed
                    == "\(email) lacks bigquery.tables.create, bigquery.tables.updateData on project dataset-project")
            #expect(
                write.fix?.hasSuffix(
                    "gcloud projects add-iam-policy-binding dataset-project --member=serviceAccount:\(email) --role=roles/bigquery.dataEditor"
                ) == true, "\(write.fix ?? "")")
            let create = try #require(report.check("dataset_create"))
            #expect(create.status == .failed, "collected with the other, not stopped at the first")
            #expect(create.observed == "\(email) lacks bigquery.datasets.create on project dataset-project")
            #expect(
                report.message?.contains("write_permissions is") == true
                    && report.message?.contains("dataset_create is") == true)
            #expect(report.hint?.contains("roles/bigquery.dataEditor") == true)
        }
    }

    @Test func bigQueryDatasetWriterThroughItsAccessList() async throws {
        try await withFake { fake, server in
            let engine = GoogleTesting.engine()
            func ping(_ dataset: String) async throws -> PingReport {
                try await GoogleTesting.ping(
                    engine,
                    GoogleTesting.payload(for: server, projectID: "dataset-project", extra: ["dataset": dataset]),
                    runtimeSecrets: fake.issuedTokens)
            }
            let email = GoogleTesting.email
            // A WRITER of the dataset: it may write there; creating other datasets is only a warning.
            let granted = try await ping("granted")
            #expect(granted.ok, "\(granted.summary)")
            #expect(
                granted.check("write_permissions")?.observed
                    == "\(email) is a writer of dataset dataset-project:granted (its access list)")
            #expect(granted.check("dataset_create")?.status == .warning)
            // A READER only: the dataset-level GRANT is the fix.
            let shared = try await ping("shared")
            #expect(shared.category == .permission, "\(shared.summary)")
            let check = try #require(shared.check("write_permissions"))
            #expect(check.observed.hasSuffix("and is not a writer of dataset dataset-project:shared"))
            #expect(
                check.fix?.contains(
                    #"GRANT `roles/bigquery.dataEditor` ON SCHEMA `dataset-project.shared` TO "serviceAccount:\#(email)";"#
                )
                    == true, "\(check.fix ?? "")")
            // A writer group: the account may be in it, which cannot be read from here: a warning.
            let teamed = try await ping("teamed")
            #expect(teamed.ok, "\(teamed.summary)")
            #expect(teamed.check("write_permissions")?.status == .warning)
            #expect(teamed.check("write_permissions")?.detail?.contains("group loaders@example.com") == true)
        }
    }

    @Test func bigQueryDatasetLocationMismatch() async throws {
        try await withFake { fake, server in
            let payload = GoogleTesting.payload(for: server, extra: ["dataset": "logs", "location": "EU"])
            let report = try await GoogleTesting.ping(
                GoogleTesting.engine(), payload, runtimeSecrets: fake.issuedTokens)
            #expect(report.category == .invalidConfig, "\(report.summary)")
            #expect(
                report.message?.contains("dataset acme-data:logs is in location US, but sharedConfig.location is EU")
                    == true)
            #expect(report.hint?.contains("set sharedConfig.location to US") == true)
            #expect(report.step("dataset")?.status == .failed)
        }
    }

    @Test func bigQueryMissingDataset() async throws {
        try await withFake { fake, server in
            let report = try await GoogleTesting.ping(
                GoogleTesting.engine(), GoogleTesting.payload(for: server, extra: ["dataset": "nope"]),
                runtimeSecrets: fake.issuedTokens)
            #expect(report.category == .databaseNotFound, "\(report.summary)")
            #expect(report.message?.contains("dataset nope does not exist in project acme-data") == true)
            #expect(report.message?.contains("NOT_FOUND/notFound: Not found: Dataset acme-data:nope") == true)
        }
    }

    @Test func bigQueryUnknownProject() async throws {
        try await withFake { fake, server in
            let report = try await GoogleTesting.ping(
                GoogleTesting.engine(), GoogleTesting.payload(for: server, projectID: "ghost-project"),
                runtimeSecrets: fake.issuedTokens)
            #expect(report.category == .databaseNotFound, "\(report.summary)")
            #expect(report.message?.contains("project ghost-project does not exist") == true)
            #expect(report.step("list_datasets")?.status == .failed)
        }
    }

    @Test func bigQueryNoRightsOnTheProject() async throws {
        try await withFake(.standard(echoTokenInErrors: true)) { fake, server in
            let report = try await GoogleTesting.ping(
                GoogleTesting.engine(), GoogleTesting.payload(for: server, projectID: "locked-project"),
                runtimeSecrets: fake.issuedTokens)
            #expect(report.category == .permission, "\(report.summary)")
            #expect(
                report.message?.contains("PERMISSION_DENIED/accessDenied: Access Denied: Project locked-project")
                    == true)
            #expect(report.hint?.contains("roles/bigquery.dataEditor") == true)
            #expect(fake.issuedTokens.count == 1)
        }
    }

    @Test func bigQueryAPIDisabled() async throws {
        try await withFake { fake, server in
            let report = try await GoogleTesting.ping(
                GoogleTesting.engine(), GoogleTesting.payload(for: server, projectID: "sleepy-project"),
                runtimeSecrets: fake.issuedTokens)
            #expect(report.category == .permission, "\(report.summary)")
            #expect(report.message?.contains("the BigQuery API is not enabled in project sleepy-project") == true)
            #expect(report.message?.contains("accessNotConfigured") == true)
            #expect(report.hint?.contains("apis/library/bigquery.googleapis.com?project=sleepy-project") == true)
        }
    }

    @Test func gcsHappyPathWithBucket() async throws {
        try await withFake { fake, server in
            let payload = GoogleTesting.payload(for: server, type: .gcs, extra: ["bucket": "gs://acme-landing"])
            let report = try await GoogleTesting.ping(
                GoogleTesting.engine(), payload, runtimeSecrets: fake.issuedTokens)
            #expect(report.ok, "\(report.summary)")
            #expect(
                report.step("list_buckets")?.detail
                    == "project acme-data reachable; buckets can be listed (first: acme-closed in EU, and more)")
            #expect(
                report.step("bucket_permissions")?.detail
                    == "bucket acme-landing: \(GoogleTesting.email) holds storage.objects.list, storage.objects.get, storage.objects.create, storage.objects.delete"
            )
            #expect(report.check("write_permissions")?.status == .passed, "\(report.summary)")
            #expect(report.step("readiness")?.status == .passed)
            #expect(report.step("write_test") == nil, "never without the flag")
            #expect(fake.issuedScopes == ["https://www.googleapis.com/auth/devstorage.read_only"])
            #expect(
                server.requests.map(\.path) == [
                    "/token", "/storage/v1/b?project=acme-data&maxResults=1",
                    "/storage/v1/b/acme-landing/iam/testPermissions?permissions=storage.objects.list&permissions=storage.objects.get&permissions=storage.objects.create&permissions=storage.objects.delete",
                ])
            try await Self.expectIndependentlyVerified(
                fake, server, scope: "https://www.googleapis.com/auth/devstorage.read_only")
        }
    }

    @Test func gcsWithoutBucketListsOnly() async throws {
        try await withFake { fake, server in
            let report = try await GoogleTesting.ping(
                GoogleTesting.engine(), GoogleTesting.payload(for: server, type: .gcs),
                runtimeSecrets: fake.issuedTokens)
            #expect(report.ok, "\(report.summary)")
            #expect(report.step("bucket_permissions") == nil)
        }
    }

    @Test func gcsMissingWriteRightsIsPermissionWithTheBinding() async throws {
        try await withFake { fake, server in
            let report = try await GoogleTesting.ping(
                GoogleTesting.engine(),
                GoogleTesting.payload(
                    for: server, type: .gcs, extra: ["bucket": "acme-readonly", "writeTest": "true"]),
                runtimeSecrets: fake.issuedTokens)
            #expect(report.category == .permission, "\(report.summary)")
            #expect(report.step("bucket_permissions")?.status == .passed)
            let check = try #require(report.check("write_permissions"), "\(report.summary)")
            #expect(check.status == .failed)
            #expect(check.observed == "\(GoogleTesting.email) lacks storage.objects.create, storage.objects.delete")
            #expect(check.required == "storage.objects.create, storage.objects.delete on bucket acme-readonly")
            #expect(
                check.fix?.hasSuffix(
                    "gcloud storage buckets add-iam-policy-binding gs://acme-readonly --member=serviceAccount:\(GoogleTesting.email) --role=roles/storage.objectAdmin"
                ) == true, "\(check.fix ?? "")")
            #expect(report.message?.contains("write_permissions is \(check.observed)") == true, "\(report.summary)")
            #expect(report.hint?.contains("roles/storage.objectAdmin") == true)
            #expect(report.step("write_test")?.status == .skipped)
            #expect(fake.uploads.withLock { $0 }.isEmpty)
        }
    }

    @Test func gcsWriteTestUploadsAndDeletesOneEmptyObject() async throws {
        try await withFake { fake, server in
            let report = try await GoogleTesting.ping(
                GoogleTesting.engine(),
                GoogleTesting.payload(
                    for: server, type: .gcs, extra: ["bucket": "acme-landing", "writeTest": "true"]),
                runtimeSecrets: fake.issuedTokens)
            #expect(report.ok, "\(report.summary)")
            #expect(fake.issuedScopes == ["https://www.googleapis.com/auth/devstorage.read_write"])
            let uploads = fake.uploads.withLock { $0 }
            #expect(uploads.count == 1)
            let name = try #require(uploads.first?.dropFirst("acme-landing/".count))
            #expect(name.hasPrefix("preflight_"))
            let step = try #require(report.step("write_test"))
            #expect(step.status == .passed)
            #expect(
                step.detail == "uploaded the empty object gs://acme-landing/\(name) and deleted it: nothing is left")
            #expect(fake.objects.withLock { $0 }.isEmpty, "the object was deleted")
        }
    }

    @Test func gcsWithoutBucketTheWriteCheckSaysSo() async throws {
        try await withFake { fake, server in
            let report = try await GoogleTesting.ping(
                GoogleTesting.engine(), GoogleTesting.payload(for: server, type: .gcs, extra: ["writeTest": "true"]),
                runtimeSecrets: fake.issuedTokens)
            #expect(report.ok, "\(report.summary)")
            #expect(report.check("write_permissions")?.observed == "not checked: no bucket named")
            #expect(report.step("write_test")?.status == .skipped)
        }
    }

    @Test func gcsMissingReadRightsFails() async throws {
        try await withFake { fake, server in
            let report = try await GoogleTesting.ping(
                GoogleTesting.engine(),
                GoogleTesting.payload(for: server, type: .gcs, extra: ["bucket": "acme-closed"]),
                runtimeSecrets: fake.issuedTokens)
            #expect(report.category == .permission, "\(report.summary)")
            #expect(
                report.message
                    == "service account \(GoogleTesting.email) lacks storage.objects.list, storage.objects.get, storage.objects.delete on bucket acme-closed (holds storage.objects.create)"
            )
        }
    }

    @Test func gcsMissingBucket() async throws {
        try await withFake { fake, server in
            let report = try await GoogleTesting.ping(
                GoogleTesting.engine(),
                GoogleTesting.payload(for: server, type: .gcs, extra: ["bucket": "no-such-bucket"]),
                runtimeSecrets: fake.issuedTokens)
            #expect(report.category == .databaseNotFound, "\(report.summary)")
            #expect(report.message?.contains("bucket no-such-bucket does not exist (HTTP 404") == true)
            #expect(report.message?.contains("notFound: The specified bucket does not exist.") == true)
        }
    }

    @Test func gcsProjectListingRefusedButBucketRightsSuffice() async throws {
        try await withFake(.standard(echoTokenInErrors: true)) { fake, server in
            let payload = GoogleTesting.payload(
                for: server, type: .gcs, projectID: "locked-project", extra: ["bucket": "locked-bucket"])
            let report = try await GoogleTesting.ping(
                GoogleTesting.engine(), payload, runtimeSecrets: fake.issuedTokens)
            #expect(report.ok, "\(report.summary)")
            #expect(report.step("list_buckets")?.status == .warning)
            #expect(report.step("list_buckets")?.detail?.contains("forbidden") == true)
            #expect(report.step("list_buckets")?.detail?.contains("[redacted]") == true)
            #expect(report.step("bucket_permissions")?.status == .passed)
        }
    }

    @Test func gcsProjectListingRefusedWithoutBucketFails() async throws {
        try await withFake { fake, server in
            let report = try await GoogleTesting.ping(
                GoogleTesting.engine(), GoogleTesting.payload(for: server, type: .gcs, projectID: "locked-project"),
                runtimeSecrets: fake.issuedTokens)
            #expect(report.category == .permission, "\(report.summary)")
            #expect(report.message?.contains("storage.buckets.list") == true)
            #expect(report.hint?.contains("sharedConfig.bucket") == true)
        }
    }

    @Test func aKeyGoogleDoesNotKnowIsAnAuthFailure() async throws {
        try await withFake { fake, server in
            let payload = GoogleTesting.payload(for: server, key: GoogleTestKeys.other)
            let report = try await GoogleTesting.ping(
                GoogleTesting.engine(), payload, runtimeSecrets: fake.seenAssertions.withLock { $0 })
            #expect(report.category == .auth, "\(report.summary)")
            #expect(report.message?.contains("invalid_grant: Invalid JWT Signature.") == true)
            #expect(report.hint?.contains("deleted or revoked") == true)
            #expect(report.step("oauth_token")?.status == .failed)
            #expect(fake.issuedTokens.isEmpty)
            #expect(server.requests.count == 1)
            // The peer did receive a well-formed assertion, signed by the other key.
            let assertion = try #require(fake.seenAssertions.withLock { $0.first })
            #expect(JWT.verifyRS256(assertion, key: GoogleTestKeys.other.publicKey))
        }
    }

    @Test func anUnknownAccountIsAnAuthFailure() async throws {
        try await withFake { fake, server in
            let payload = GoogleTesting.payload(for: server, email: "ghost@acme-data.iam.gserviceaccount.com")
            let report = try await GoogleTesting.ping(GoogleTesting.engine(), payload)
            #expect(report.category == .auth, "\(report.summary)")
            #expect(
                report.message?.contains(
                    "Google does not know service account ghost@acme-data.iam.gserviceaccount.com (invalid_grant: Invalid grant: account not found)"
                ) == true)
        }
    }

    @Test func theAudienceIsTheTokenURLActuallyUsed() async throws {
        // The key file points at Google; tokenURL sends the exchange to the fake, which wants its own URL as aud.
        try await withFake { fake, server in
            var payload = GoogleTesting.payload(for: server)
            payload.sharedConfig["credentialsData"] = .string(GoogleTesting.keyFile())
            payload.sharedConfig["tokenURL"] = .string(server.endpoint + "/token")
            let report = try await GoogleTesting.ping(
                GoogleTesting.engine(), payload, runtimeSecrets: fake.issuedTokens)
            #expect(report.ok, "\(report.summary)")
        }
    }

    @Test func tokenAndAPIOnSeparateHostsRecordBothConnections() async throws {
        let fake = FakeGoogle.standard()
        let tokenServer = try await ScriptedHTTPServer.start(tls: true) { request in fake.handle(request) }
        let apiServer = try await ScriptedHTTPServer.start(tls: true) { request in fake.handle(request) }
        defer {
            Task {
                await tokenServer.stop()
                await apiServer.stop()
            }
        }
        let payload = GoogleTesting.payload(for: tokenServer, extra: ["endpointURL": apiServer.endpoint])
        let report = try await GoogleTesting.ping(GoogleTesting.engine(), payload, runtimeSecrets: fake.issuedTokens)
        #expect(report.ok, "\(report.summary)")
        #expect(
            report.steps.map(\.name) == [
                "oauth_token_dns", "oauth_token_connect", "oauth_token_tls", "oauth_token", "dns", "connect", "tls",
                "list_datasets",
                "query_permission", "readiness",
            ])
        #expect(report.target?.host == "127.0.0.1" && report.target?.port == apiServer.port)
        #expect(tokenServer.requests.map(\.path) == ["/token"])
        // endpointURL also replaces Cloud Resource Manager: its testIamPermissions goes to the API server.
        #expect(apiServer.requests.count == 3)
    }

    @Test func anUntrustedCertificateIsATLSFailure() async throws {
        try await withFake { _, server in
            var payload = GoogleTesting.payload(for: server)
            payload.sharedConfig["sslRootCert"] = nil
            let report = try await GoogleTesting.ping(GoogleTesting.engine(), payload)
            #expect(report.category == .tls, "\(report.summary)")
            #expect(server.requests.isEmpty)
        }
    }

    @Test func timingAgainstTheLocalPeer() async throws {
        try await withFake { _, server in
            let engine = GoogleTesting.engine()
            var times: [Double] = []
            for type in [ConnectorType.bigquery, .gcs] {
                for _ in 0..<5 {
                    let report = try await engine.ping(
                        GoogleTesting.payload(
                            for: server, type: type, extra: ["bucket": "acme-landing", "dataset": "events"]))
                    #expect(report.ok, "\(report.summary)")
                    times.append(report.durationMs)
                }
            }
            print(
                "google ping against the local HTTPS peer (bigquery x5, gcs x5), ms:",
                times.map { String(format: "%.1f", $0) }.joined(separator: " "))
        }
    }
}
