import Foundation
import PreflightCore
import PreflightHTTP
import PreflightNetwork

/// GCS as a destination: the `readiness` step from the bucket's rights (no call of its own), then,
/// only with `writeTest: true`, one empty object uploaded and deleted.
extension GoogleSession {
    /// Records `write_permissions` as the `readiness` step; throws `permission` when it fails.
    func destinationReadiness(granted: Set<String>?, bucket: String?) throws(ProbeFailure) {
        let checks = GCSDestinationReadiness.checks(granted: granted, bucket: bucket, email: email)
        for check in checks { context.trace.check(check) }
        let target = bucket.map { "bucket \($0)" } ?? "an unnamed bucket"
        let verdict = ReadinessVerdict.destinationStep(for: checks, writingTo: target)
        context.trace.note(.readiness, status: verdict.status, detail: verdict.detail, hint: verdict.hint)
        if let failure = ReadinessVerdict.destinationFailure(for: checks, server: apiHost, target: target) {
            if config.writeTest {
                context.trace.note(
                    .writeTest, status: .skipped, detail: "not attempted: the privilege checks already fail")
            }
            throw failure
        }
        if bucket == nil, config.writeTest {
            context.trace.note(.writeTest, status: .skipped, detail: "not attempted: no bucket named")
        }
    }

    /// `preflight_` and a lower-case UUID.
    static func writeTestObjectName() -> String { "preflight_" + UUID().uuidString.lowercased() }

    /// Uploads one empty object (`uploadType=media`) and deletes it. A refused upload fails the ping
    /// (`permission`); a failed delete is a warning naming the object left behind.
    func writeTest(bucket: String) async throws(ProbeFailure) {
        let name = Self.writeTestObjectName()
        let url = "gs://\(bucket)/\(name)"
        try await context.step(
            .writeTest, "uploading and deleting the empty object \(url)",
            timeoutHint: "\(apiHost) did not answer in time"
        ) { outcome in
            let upload = try await send(
                HTTPRequest(
                    "POST",
                    "/upload/storage/v1/b/\(GoogleEndpoints.encoded(bucket))/o?uploadType=media&name=\(GoogleEndpoints.encoded(name))",
                    headers: [HTTPField("Content-Type", "application/octet-stream")], body: []))
            guard upload.isSuccess else {
                throw GoogleCall(
                    what: "the write test's upload of \(url)", apiName: "Cloud Storage JSON API",
                    serviceName: "storage-api.googleapis.com", projectID: project, email: email,
                    notFound: "bucket \(bucket) does not exist", notFoundHint: "check sharedConfig.bucket",
                    permissionHint: GCSDestinationReadiness.roleFix(bucket: bucket, email: email),
                    invalidHint: "check sharedConfig.bucket", secrets: [token.value]
                ).failure(status: upload.status, statusLine: upload.statusLine, body: upload.body)
            }
            let deleted: HTTPResponse?
            do throws(ProbeFailure) {
                deleted = try await send(
                    HTTPRequest(
                        "DELETE",
                        "/storage/v1/b/\(GoogleEndpoints.encoded(bucket))/o/\(GoogleEndpoints.encoded(name))"))
            } catch {
                deleted = nil
            }
            if let deleted, deleted.isSuccess {
                outcome.detail = "uploaded the empty object \(url) and deleted it: nothing is left"
            } else {
                outcome.status = .warning
                outcome.detail =
                    "uploaded the empty object \(url) but could not delete it (\(deleted?.statusLine ?? "no answer")): it is left behind"
                outcome.hint = "gcloud storage rm \(url)"
            }
        }
    }

    /// Sends `request` with the token; the answer whatever its status.
    private func send(_ request: HTTPRequest) async throws(ProbeFailure) -> HTTPResponse {
        var request = request
        request.headers += [
            HTTPField("Authorization", "Bearer \(token.value)"), HTTPField("Accept", "application/json"),
        ]
        return try await client.exchange(request, with: target)
    }
}
