import PreflightCore
import PreflightHTTP
import PreflightNetwork

/// BigQuery destination readiness: one call, Cloud Resource Manager's `projects.testIamPermissions`
/// for bigquery.datasets.create, bigquery.tables.create and bigquery.tables.updateData, read together with
/// the named dataset's access list; nothing is created.
extension GoogleSession {
    func destinationReadiness(dataset found: BigQueryAnswers.Dataset?) async throws(ProbeFailure) {
        let crm = HTTPTarget(
            config.resourceManager, rootCertificatesPEM: config.rootCertificatesPEM,
            label: config.resourceManager == config.api ? nil : "resource_manager")
        try await client.connect(crm)
        let host = config.resourceManager.hostHeader
        let target = config.dataset.map { "dataset \(project):\($0)" } ?? "project \(project)"
        let checks = try await context.step(
            .readiness, "asking \(host) which BigQuery write permissions \(email) holds in project \(project)",
            timeoutHint: "\(host) did not answer in time"
        ) { outcome in
            var seen = BigQueryDestinationObservations()
            seen.dataset = config.dataset
            if let found {
                seen.datasetWriter =
                    found.writers.contains(email.lowercased())
                    || found.writers.contains("serviceaccount:" + email.lowercased())
                seen.datasetGroupWriters = found.groupWriters
            }
            let request = HTTPRequest.json(
                "POST", "/v1/projects/\(GoogleEndpoints.encoded(project)):testIamPermissions",
                .object(["permissions": .array(BigQueryDestinationReadiness.asked.map { .string($0) })]),
                headers: [
                    HTTPField("Authorization", "Bearer \(token.value)"), HTTPField("Accept", "application/json"),
                ])
            let response = try await client.exchange(request, with: crm)
            if response.isSuccess, let json = response.json(), case .object(let members) = json {
                switch members["permissions"] ?? .null {
                case .null: seen.projectGranted = []
                case .array(let items): seen.projectGranted = Set(items.compactMap(\.stringValue))
                default: seen.projectError = "\(response.statusLine) with an unexpected body"
                }
            } else {
                let failure = GoogleCall(
                    what: "testing the permissions in project \(project)", apiName: "Cloud Resource Manager API",
                    serviceName: "cloudresourcemanager.googleapis.com", projectID: project, email: email,
                    notFound: "project \(project) was not found", notFoundHint: "check sharedConfig.projectID",
                    permissionHint: "", invalidHint: "check sharedConfig.projectID", secrets: [token.value]
                ).failure(status: response.status, statusLine: response.statusLine, body: response.body)
                seen.projectError = failure.message
            }
            let checks = BigQueryDestinationReadiness.checks(seen, project: project, email: email)
            for check in checks { context.trace.check(check) }
            (outcome.status, outcome.detail, outcome.hint) = ReadinessVerdict.destinationStep(
                for: checks, writingTo: target)
            return checks
        }
        if let failure = ReadinessVerdict.destinationFailure(for: checks, server: apiHost, target: target) {
            throw failure
        }
    }
}
