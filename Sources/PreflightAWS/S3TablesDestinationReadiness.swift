import PreflightCore

/// Turns what IAM's policy simulator said about an S3 table bucket into the `write_permissions` check:
/// creating tables in the bucket and reading, writing and committing their data, each decision observed,
/// and the exact IAM fix. Pure.
public enum S3TablesDestinationReadiness {
    /// Asked on the table bucket's ARN.
    public static let bucketActions = ["s3tables:GetNamespace", "s3tables:CreateTable"]
    /// Asked on its tables, `<bucket ARN>/table/*`.
    public static let tableActions = [
        "s3tables:GetTable", "s3tables:GetTableMetadataLocation", "s3tables:UpdateTableMetadataLocation",
        "s3tables:GetTableData", "s3tables:PutTableData",
    ]
    /// The one table the simulation asks about (never created).
    public static let simulatedTable = "preflight-write-check"

    /// Every table of the bucket: `arn:aws:s3tables:REGION:ACCOUNT:bucket/NAME/table/*`.
    public static func tablesARN(_ bucketARN: String) -> String { bucketARN + "/table/*" }

    public static func simulatedTableARN(_ bucketARN: String) -> String { bucketARN + "/table/" + simulatedTable }

    public static func required(_ bucketARN: String) -> String {
        "\(bucketActions.joined(separator: ", ")) on \(bucketARN); \(tableActions.joined(separator: ", ")) on \(tablesARN(bucketARN))"
    }

    public static func checks(_ evidence: S3WriteEvidence, bucketARN: String) -> [ReadinessCheck] {
        switch evidence {
        case .noBucket:
            return []
        case .unproven(let principal, let reason, let simulationDenied):
            let who = principal ?? "these credentials"
            return [
                ReadinessCheck(
                    name: "write_permissions", status: .warning,
                    observed: simulationDenied
                        ? "unproven: \(who) may not call iam:SimulatePrincipalPolicy (\(reason))"
                        : "unproven: \(reason)",
                    required: required(bucketARN),
                    detail:
                        "the right to create and write tables could not be proven without writing: S3 Tables says so only by doing it, and IAM's policy simulator could not be asked",
                    fix: "grant iam:SimulatePrincipalPolicy" + (principal.map { " on \($0)" } ?? "")
                        + " to \(who) so that the next ping can check it")
            ]
        case .simulated(let principal, let results):
            var decisions: [(action: String, decision: String)] = []
            for (actions, resource) in [
                (bucketActions, bucketARN), (tableActions, simulatedTableARN(bucketARN)),
            ] {
                for action in actions {
                    let decision = IAMSimulation.decision(for: action, on: resource, in: results) ?? "unanswered"
                    decisions.append((action: action, decision: decision))
                }
            }
            let denied = decisions.filter { $0.decision != "allowed" }
            let observed = decisions.map { "\($0.action) \($0.decision)" }.joined(separator: ", ") + " for \(principal)"
            guard !denied.isEmpty else {
                return [
                    ReadinessCheck(
                        name: "write_permissions", status: .passed, observed: observed, required: required(bucketARN))
                ]
            }
            let missing = denied.map(\.action)
            var statements: [(actions: [String], resource: String)] = []
            let bucketMissing = missing.filter { bucketActions.contains($0) }
            let tableMissing = missing.filter { tableActions.contains($0) }
            if !bucketMissing.isEmpty { statements.append((bucketMissing, bucketARN)) }
            if !tableMissing.isEmpty { statements.append((tableMissing, tablesARN(bucketARN))) }
            return [
                ReadinessCheck(
                    name: "write_permissions", status: .failed, observed: observed, required: required(bucketARN),
                    detail:
                        "IAM's policy simulator, from \(principal)'s identity policies (a table bucket policy is not part of the simulation)",
                    fix: IAMSimulation.inlinePolicyFix(
                        principal: principal, missing: missing,
                        explicitlyDenied: denied.filter { $0.decision == "explicitDeny" }.map(\.action),
                        statements: statements, policyName: "artie-s3tables-write"))
            ]
        }
    }
}
