import PreflightCore

/// What a destination ping of s3 or delta learned about writing to its bucket, without writing.
public enum S3WriteEvidence: Sendable, Equatable {
    /// No `bucket` configured: there is nothing to ask about.
    case noBucket
    /// IAM's policy simulator answered for `principal` (a user's or role's ARN).
    case simulated(principal: String, results: [IAMSimulation.Result])
    /// The simulation could not be run. `simulationDenied`: the caller may not call
    /// iam:SimulatePrincipalPolicy (AccessDenied); otherwise `reason` says what else went wrong.
    case unproven(principal: String?, reason: String, simulationDenied: Bool)
}

/// Turns `S3WriteEvidence` into the `write_permissions` check: s3:ListBucket on the bucket, s3:PutObject
/// and s3:DeleteObject under the prefix, each decision observed, and the exact IAM fix. Pure.
public enum S3DestinationReadiness {
    public static let bucketActions = ["s3:ListBucket"]
    public static let objectActions = ["s3:PutObject", "s3:DeleteObject"]
    /// The object key the simulation asks about (never written).
    public static let simulatedKey = "preflight_write_check"

    public static func bucketARN(_ bucket: String, partition: String = "aws") -> String {
        "arn:\(partition):s3:::\(bucket)"
    }

    /// Every object under the prefix: `arn:aws:s3:::BUCKET/PREFIX*`.
    public static func objectsARN(_ bucket: String, prefix: String, partition: String = "aws") -> String {
        "arn:\(partition):s3:::\(bucket)/\(prefix)*"
    }

    /// The one object the simulation asks about: `arn:aws:s3:::BUCKET/PREFIXpreflight_write_check`.
    public static func simulatedObjectARN(_ bucket: String, prefix: String, partition: String = "aws") -> String {
        "arn:\(partition):s3:::\(bucket)/\(prefix)\(simulatedKey)"
    }

    /// What the pipeline needs, in words.
    public static func required(_ bucket: String, prefix: String, partition: String = "aws") -> String {
        "\(bucketActions.joined(separator: ", ")) on \(bucketARN(bucket, partition: partition)); "
            + "\(objectActions.joined(separator: ", ")) on \(objectsARN(bucket, prefix: prefix, partition: partition))"
    }

    public static func checks(_ evidence: S3WriteEvidence, bucket: String?, prefix: String) -> [ReadinessCheck] {
        guard let bucket else {
            return [
                ReadinessCheck(
                    name: "write_permissions", status: .warning, observed: "not checked: no bucket named",
                    required: "s3:ListBucket, s3:PutObject, s3:DeleteObject on the bucket the pipeline writes to",
                    detail: "without a bucket there is nothing to ask IAM about",
                    fix: "set sharedConfig.bucket (and prefix, the folder the pipeline writes under) to check them")
            ]
        }
        switch evidence {
        case .noBucket:
            return checks(.noBucket, bucket: nil, prefix: prefix)
        case .unproven(let principal, let reason, let simulationDenied):
            let partition = IAMSimulation.partition(of: principal)
            let who = principal ?? "these credentials"
            return [
                ReadinessCheck(
                    name: "write_permissions", status: .warning,
                    observed: simulationDenied
                        ? "unproven: \(who) may not call iam:SimulatePrincipalPolicy (\(reason))"
                        : "unproven: \(reason)",
                    required: required(bucket, prefix: prefix, partition: partition),
                    detail:
                        "the write permission could not be proven without writing: S3 itself says whether a key may write only by writing, and IAM's policy simulator could not be asked",
                    fix:
                        "to prove it, set writeTest: true (puts one empty object \(prefix)preflight_<uuid> in bucket \(bucket) and deletes it), or grant iam:SimulatePrincipalPolicy"
                        + (principal.map { " on \($0)" } ?? "") + " to \(who)")
            ]
        case .simulated(let principal, let results):
            let partition = IAMSimulation.partition(of: principal)
            let bucketResource = bucketARN(bucket, partition: partition)
            let objectResource = simulatedObjectARN(bucket, prefix: prefix, partition: partition)
            var decisions: [(action: String, decision: String)] = []
            for (actions, resource) in [(bucketActions, bucketResource), (objectActions, objectResource)] {
                for action in actions {
                    let decision = IAMSimulation.decision(for: action, on: resource, in: results) ?? "unanswered"
                    decisions.append((action: action, decision: decision))
                }
            }
            let denied = decisions.filter { $0.decision != "allowed" }
            let observed = decisions.map { "\($0.action) \($0.decision)" }.joined(separator: ", ")
            guard !denied.isEmpty else {
                return [
                    ReadinessCheck(
                        name: "write_permissions", status: .passed, observed: observed + " for \(principal)",
                        required: required(bucket, prefix: prefix, partition: partition))
                ]
            }
            let explicit = denied.filter { $0.decision == "explicitDeny" }
            return [
                ReadinessCheck(
                    name: "write_permissions", status: .failed,
                    observed: observed + " for \(principal)",
                    required: required(bucket, prefix: prefix, partition: partition),
                    detail:
                        "IAM's policy simulator, from \(principal)'s identity policies (a bucket policy is not part of the simulation)",
                    fix: fix(
                        principal: principal, missing: denied.map(\.action),
                        explicitlyDenied: explicit.map(\.action), bucket: bucket, prefix: prefix,
                        partition: partition))
            ]
        }
    }

    /// The IAM change: remove explicit Denies, and an inline policy (with the aws CLI command that
    /// attaches it) allowing what is missing.
    static func fix(
        principal: String, missing: [String], explicitlyDenied: [String], bucket: String, prefix: String,
        partition: String
    ) -> String {
        var statements: [(actions: [String], resource: String)] = []
        let bucketMissing = missing.filter { bucketActions.contains($0) }
        let objectMissing = missing.filter { objectActions.contains($0) }
        if !bucketMissing.isEmpty {
            statements.append((bucketMissing, bucketARN(bucket, partition: partition)))
        }
        if !objectMissing.isEmpty {
            statements.append((objectMissing, objectsARN(bucket, prefix: prefix, partition: partition)))
        }
        return IAMSimulation.inlinePolicyFix(
            principal: principal, missing: missing, explicitlyDenied: explicitlyDenied, statements: statements,
            policyName: "artie-s3-write")
    }
}
