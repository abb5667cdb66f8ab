import PreflightCore

/// GCS destination readiness (GCS is only ever a destination): `write_permissions`, the object rights the
/// pipeline writes and replaces files with (storage.objects.create and storage.objects.delete), from the
/// bucket's testIamPermissions answer, with the exact IAM binding that fixes it. Pure.
public enum GCSDestinationReadiness {
    public static let writePermissions = ["storage.objects.create", "storage.objects.delete"]

    /// The role and the gcloud command that grant every object right a destination needs.
    public static func roleFix(bucket: String, email: String) -> String {
        "grant \(email) Storage Object Admin (roles/storage.objectAdmin) on bucket \(bucket): gcloud storage buckets add-iam-policy-binding gs://\(bucket) --member=serviceAccount:\(email) --role=roles/storage.objectAdmin"
    }

    /// `granted` is nil when no bucket is named (nothing to ask about).
    public static func checks(granted: Set<String>?, bucket: String?, email: String) -> [ReadinessCheck] {
        guard let bucket, let granted else {
            return [
                ReadinessCheck(
                    name: "write_permissions", status: .warning, observed: "not checked: no bucket named",
                    required: writePermissions.joined(separator: ", ") + " on the bucket the pipeline writes to",
                    detail: "without a bucket there is nothing to test the rights on",
                    fix: "set sharedConfig.bucket to check them")
            ]
        }
        let missing = writePermissions.filter { !granted.contains($0) }
        let held = writePermissions.filter { granted.contains($0) }
        let required = writePermissions.joined(separator: ", ") + " on bucket \(bucket)"
        guard !missing.isEmpty else {
            return [
                ReadinessCheck(
                    name: "write_permissions", status: .passed,
                    observed: "\(email) holds \(held.joined(separator: ", "))", required: required)
            ]
        }
        return [
            ReadinessCheck(
                name: "write_permissions", status: .failed,
                observed: "\(email) lacks \(missing.joined(separator: ", "))"
                    + (held.isEmpty ? "" : " (holds \(held.joined(separator: ", ")))"),
                required: required,
                detail: "the pipeline uploads its files to the bucket and deletes or replaces them",
                fix: roleFix(bucket: bucket, email: email))
        ]
    }
}
