import PreflightCore

/// What BigQuery destination readiness observed: the project-level permissions from Cloud Resource
/// Manager's `projects.testIamPermissions` (nil when it could not be asked, with why) and, for a named
/// dataset, its access entries (from the `dataset` step's answer).
public struct BigQueryDestinationObservations: Sendable, Equatable {
    public var projectGranted: Set<String>?
    public var projectError: String?
    public var dataset: String?
    /// Whether the dataset's access list names the account as a writer; nil when not read.
    public var datasetWriter: Bool?
    /// Writer groups and domains on the dataset (the account may be in one).
    public var datasetGroupWriters: [String] = []

    public init() {}
}

/// Turns the observations into `write_permissions` (bigquery.tables.create and bigquery.tables.updateData
/// on the project, or on the named dataset through its access list) and `dataset_create`
/// (bigquery.datasets.create on the project: required without a named dataset, else a warning), each
/// with the role and the exact grant. Pure.
public enum BigQueryDestinationReadiness {
    public static let tablePermissions = ["bigquery.tables.create", "bigquery.tables.updateData"]
    public static let datasetPermission = "bigquery.datasets.create"
    /// What `projects.testIamPermissions` is asked.
    public static var asked: [String] { [datasetPermission] + tablePermissions }

    /// The project-level grant of BigQuery Data Editor.
    public static func projectGrant(project: String, email: String) -> String {
        "gcloud projects add-iam-policy-binding \(project) --member=serviceAccount:\(email) --role=roles/bigquery.dataEditor"
    }

    /// The dataset-level grant, as BigQuery DCL.
    public static func datasetGrant(project: String, dataset: String, email: String) -> String {
        "GRANT `roles/bigquery.dataEditor` ON SCHEMA `\(project).\(dataset)` TO \"serviceAccount:\(email)\";"
    }

    public static func checks(_ seen: BigQueryDestinationObservations, project: String, email: String)
        -> [ReadinessCheck]
    {
        let unread = seen.projectError.map { "unknown (\($0))" } ?? "unknown"
        var checks: [ReadinessCheck] = []

        // write_permissions
        let projectMissing = seen.projectGranted.map { granted in tablePermissions.filter { !granted.contains($0) } }
        let writeRequired =
            tablePermissions.joined(separator: ", ")
            + (seen.dataset.map { " on dataset \(project):\($0) (or its project)" } ?? " on project \(project)")
        let writeFix =
            seen.dataset.map {
                "grant \(email) BigQuery Data Editor (roles/bigquery.dataEditor) on the dataset: \(datasetGrant(project: project, dataset: $0, email: email)) or on the project: \(projectGrant(project: project, email: email))"
            }
            ?? "grant \(email) BigQuery Data Editor (roles/bigquery.dataEditor) on project \(project): \(projectGrant(project: project, email: email))"
        if projectMissing?.isEmpty == true {
            checks.append(
                ReadinessCheck(
                    name: "write_permissions", status: .passed,
                    observed: "\(email) holds \(tablePermissions.joined(separator: ", ")) on project \(project)",
                    required: writeRequired))
        } else if let dataset = seen.dataset, seen.datasetWriter == true {
            checks.append(
                ReadinessCheck(
                    name: "write_permissions", status: .passed,
                    observed: "\(email) is a writer of dataset \(project):\(dataset) (its access list)",
                    required: writeRequired))
        } else if let missing = projectMissing {
            let groups = seen.datasetGroupWriters
            let throughGroup = !groups.isEmpty
            checks.append(
                ReadinessCheck(
                    name: "write_permissions", status: throughGroup ? .warning : .failed,
                    observed: "\(email) lacks \(missing.joined(separator: ", ")) on project \(project)"
                        + (seen.dataset.map { dataset in
                            seen.datasetWriter == false ? " and is not a writer of dataset \(project):\(dataset)" : ""
                        } ?? ""),
                    required: writeRequired,
                    detail: throughGroup
                        ? "unless a member of \(groups.prefix(3).joined(separator: ", ")), writers of the dataset (group membership cannot be read from here)"
                        : "the pipeline creates its tables and loads and merges rows into them",
                    fix: writeFix))
        } else {
            checks.append(
                ReadinessCheck(
                    name: "write_permissions", status: .warning, observed: unread, required: writeRequired,
                    detail:
                        "the project's permissions could not be read (Cloud Resource Manager testIamPermissions)"
                        + (seen.dataset != nil ? " and the dataset's access list does not name \(email)" : ""),
                    fix: writeFix))
        }

        // dataset_create
        let createRequired = "\(datasetPermission) on project \(project)"
        let createFix =
            "grant \(email) BigQuery Data Editor (roles/bigquery.dataEditor) on project \(project): \(projectGrant(project: project, email: email))"
        if let granted = seen.projectGranted {
            let holds = granted.contains(datasetPermission)
            checks.append(
                ReadinessCheck(
                    name: "dataset_create", status: holds ? .passed : (seen.dataset == nil ? .failed : .warning),
                    observed: "\(email) \(holds ? "holds" : "lacks") \(datasetPermission) on project \(project)",
                    required: createRequired,
                    detail: holds
                        ? nil
                        : seen.dataset == nil
                            ? "without a named dataset the pipeline creates its datasets"
                            : "the pipeline can write to dataset \(seen.dataset ?? "") but cannot create another one",
                    fix: holds ? nil : createFix))
        } else {
            checks.append(
                ReadinessCheck(
                    name: "dataset_create", status: .warning, observed: unread, required: createRequired,
                    detail: "the project's permissions could not be read (Cloud Resource Manager testIamPermissions)",
                    fix: createFix))
        }
        return checks
    }
}
