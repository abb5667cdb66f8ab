import PreflightCore
import PreflightNetwork

extension GoogleSession {
    /// `list_buckets`, then `bucket_permissions` when a bucket is named, then destination readiness
    /// (`write_permissions`) and, with `writeTest: true`, the write test. With a bucket, a refusal to
    /// list the project's buckets is only a warning: rights granted on the bucket alone are enough.
    func checkStorage() async throws(ProbeFailure) {
        try await context.step(
            .listBuckets, "listing the buckets of project \(project) on \(apiHost)",
            timeoutHint: "\(apiHost) did not answer in time"
        ) { outcome in
            let what = "listing the buckets of project \(project)"
            let path = "/storage/v1/b?project=\(GoogleEndpoints.encoded(project))&maxResults=1"
            let answer = await result(
                path,
                call: storageCall(
                    what,
                    notFound: "project \(project) does not exist, or service account \(email) cannot see it",
                    notFoundHint: "check sharedConfig.projectID (the project ID, not its name)",
                    permissionHint:
                        "grant \(email) a role with storage.buckets.list in project \(project) (e.g. Storage Admin), or name the bucket in sharedConfig.bucket to test the rights on it alone"
                ))
            let json: JSONValue
            switch answer {
            case .success(let value):
                json = value
            case .failure(let failure) where failure.category == .permission && config.bucket != nil:
                outcome.status = .warning
                outcome.detail = failure.message
                outcome.hint = "not needed when the account has rights on the bucket itself; checked next"
                return
            case .failure(let failure):
                throw failure
            }
            guard let list = GCSAnswers.bucketList(json) else { throw unexpected(what) }
            var detail = GCSAnswers.describe(list, projectID: project)
            if let note = config.projectNote { detail += "; \(note)" }
            outcome.detail = detail
        }
        guard let bucket = config.bucket else {
            try destinationReadiness(granted: nil, bucket: nil)
            return
        }
        let granted = try await context.step(
            .bucketPermissions, "testing the rights of \(email) on bucket \(bucket)",
            timeoutHint: "\(apiHost) did not answer in time"
        ) { outcome in
            let what = "testing the rights on bucket \(bucket)"
            let query = GCSAnswers.objectPermissions.map { "permissions=\($0)" }.joined(separator: "&")
            let json = try await get(
                "/storage/v1/b/\(GoogleEndpoints.encoded(bucket))/iam/testPermissions?\(query)",
                call: storageCall(
                    what,
                    notFound: "bucket \(bucket) does not exist",
                    notFoundHint:
                        "check sharedConfig.bucket (bucket names are global and lowercase), or create the bucket",
                    permissionHint:
                        "grant \(email) Storage Object Admin (roles/storage.objectAdmin) on bucket \(bucket)"))
            guard let granted = GCSAnswers.grantedPermissions(json) else { throw unexpected(what) }
            switch GCSAnswers.verdict(granted: granted, bucket: bucket, email: email) {
            case .passed(let detail):
                outcome.detail = detail
            case .failed(let failure):
                throw failure
            }
            return granted
        }
        try destinationReadiness(granted: granted, bucket: bucket)
        if config.writeTest { try await writeTest(bucket: bucket) }
    }

    private func storageCall(_ what: String, notFound: String, notFoundHint: String, permissionHint: String)
        -> GoogleCall
    {
        GoogleCall(
            what: what, apiName: "Cloud Storage JSON API", serviceName: "storage-api.googleapis.com",
            projectID: project, email: email,
            notFound: notFound, notFoundHint: notFoundHint, permissionHint: permissionHint,
            invalidHint: "check sharedConfig.projectID\(config.bucket != nil ? " and sharedConfig.bucket" : "")")
    }
}
