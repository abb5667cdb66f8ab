import PreflightCore
import PreflightNetwork

extension GoogleSession {
    /// `list_datasets`, then `dataset` when one is named, then `query_permission` (a dry-run query), then
    /// destination readiness (BigQuery is only ever a destination).
    func checkBigQuery() async throws(ProbeFailure) {
        let dataset = try await checkDatasets()
        try await checkJobCreation()
        try await destinationReadiness(dataset: dataset)
    }

    /// A dry run of `SELECT 1` (in the configured location): BigQuery checks that the account may create
    /// jobs in the project (`bigquery.jobs.create`, which every load and merge needs) without running
    /// anything, reading anything or billing anything.
    func checkJobCreation() async throws(ProbeFailure) {
        try await context.step(
            .queryPermission, "dry-running a query job in project \(project)",
            timeoutHint: "\(apiHost) did not answer in time"
        ) { outcome in
            let what = "dry-running a query job in project \(project)"
            var call = bigQueryCall(
                what,
                notFound: "project \(project) does not exist, or service account \(email) cannot see it",
                notFoundHint: "check sharedConfig.projectID")
            call.permissionHint =
                "grant \(email) BigQuery Job User (roles/bigquery.jobUser) in project \(project): loads and merges run as jobs there"
            let json = try await post(
                "/bigquery/v2/projects/\(GoogleEndpoints.encoded(project))/queries",
                BigQueryAnswers.dryRunRequest(location: config.location), call: call)
            guard let location = BigQueryAnswers.dryRunLocation(json) else { throw unexpected(what) }
            outcome.detail =
                "\(email) may create query jobs in project \(project)"
                + (location.isEmpty ? "" : " (location \(location))")
        }
    }

    /// The named dataset as found (nil without one).
    func checkDatasets() async throws(ProbeFailure) -> BigQueryAnswers.Dataset? {
        let base = "/bigquery/v2/projects/\(GoogleEndpoints.encoded(project))/datasets"
        let listAll = config.dataset == nil
        try await context.step(
            .listDatasets, "listing the datasets of project \(project) on \(apiHost)",
            timeoutHint: "\(apiHost) did not answer in time"
        ) { outcome in
            let what = "listing the datasets of project \(project)"
            let json = try await get(
                base + "?maxResults=\(listAll ? BigQueryAnswers.listSize : 1)",
                call: bigQueryCall(
                    what,
                    notFound: "project \(project) does not exist, or service account \(email) cannot see it",
                    notFoundHint:
                        "check sharedConfig.projectID (the project ID, not its name or number), and that the account has a BigQuery role in that project"
                ))
            guard let list = BigQueryAnswers.datasetList(json) else { throw unexpected(what) }
            var detail = BigQueryAnswers.describe(list, projectID: project, listedAll: listAll)
            if let note = config.projectNote { detail += "; \(note)" }
            if listAll, let location = config.location, !list.locations.isEmpty,
                !list.locations.contains(where: { BigQueryLocation.same($0.0, location) })
            {
                detail += "; none of them is in \(location) (sharedConfig.location)"
            }
            outcome.detail = detail
        }
        guard let dataset = config.dataset else { return nil }
        return try await context.step(
            .dataset, "looking up dataset \(project):\(dataset)",
            timeoutHint: "\(apiHost) did not answer in time"
        ) { outcome in
            let what = "looking up dataset \(project):\(dataset)"
            let json = try await get(
                base + "/" + GoogleEndpoints.encoded(dataset),
                call: bigQueryCall(
                    what,
                    notFound:
                        "dataset \(dataset) does not exist in project \(project), or service account \(email) cannot see it",
                    notFoundHint:
                        "check sharedConfig.dataset (dataset IDs are case-sensitive) or create the dataset in location \(config.location ?? "US or EU")"
                ))
            guard let found = BigQueryAnswers.dataset(json) else { throw unexpected(what) }
            if let mismatch = BigQueryAnswers.locationMismatch(
                dataset: dataset, projectID: project, observed: found.location, configured: config.location)
            {
                throw mismatch
            }
            var detail = "dataset \(project):\(dataset) found"
            if let location = found.location {
                detail += " in \(location)" + (config.location != nil ? " (matches sharedConfig.location)" : "")
            }
            outcome.detail = detail
            return found
        }
    }

    private func bigQueryCall(_ what: String, notFound: String, notFoundHint: String) -> GoogleCall {
        GoogleCall(
            what: what, apiName: "BigQuery API", serviceName: "bigquery.googleapis.com", projectID: project,
            email: email,
            notFound: notFound, notFoundHint: notFoundHint,
            permissionHint:
                "grant \(email) a BigQuery role in project \(project) (IAM > Grant access): BigQuery Data Editor (roles/bigquery.dataEditor) and BigQuery Job User (roles/bigquery.jobUser) for a destination",
            invalidHint: "check sharedConfig.projectID\(config.dataset != nil ? " and sharedConfig.dataset" : "")")
    }
}
