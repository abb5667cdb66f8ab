import PreflightCore
import PreflightHTTP
import PreflightNetwork

/// A ping of a Databricks workspace. Steps: dns, connect, tls (by the HTTP client), `token` (OAuth M2M
/// only), `warehouse` (or `cluster`): its state, `volume` when one is named, then `readiness` (the
/// grants a destination needs, see `destinationReadiness`) and, only with `writeTest: true`,
/// `write_test`. Read-only otherwise; a stopped warehouse is not started.
///
/// The access token obtained at run time never reaches a message: peer texts are redacted with it.
struct DatabricksProbe: Probe {
    let config: DatabricksConfig

    var target: PingTarget { PingTarget(host: config.endpoint.host, port: config.endpoint.port) }

    var httpTarget: HTTPTarget { HTTPTarget(config.endpoint, rootCertificatesPEM: config.rootCertificatesPEM) }
    var workspace: String { config.endpoint.description }

    func run(in context: ProbeContext) async throws(ProbeFailure) {
        let client = HTTPClient(context: context)
        defer { client.close() }
        try await client.connect(httpTarget)
        let bearer: String
        let principal: String
        var secrets: [String]
        switch config.authentication {
        case .personalAccessToken(let token):
            bearer = token
            principal = "the personal access token"
            secrets = [token]
        case .oauthM2M(let clientID, let clientSecret):
            principal = "service principal \(clientID)"
            bearer = try await oauthToken(
                clientID: clientID, clientSecret: clientSecret, client: client, context: context)
            secrets = [bearer, clientSecret]
        }
        let redactor = Redactor(secrets: secrets)
        try await checkCompute(
            bearer: bearer, principal: principal, redactor: redactor, client: client, context: context)
        var volumeOwner: String?
        if let volume = config.volume {
            volumeOwner = try await checkVolume(
                volume, bearer: bearer, principal: principal, redactor: redactor, client: client, context: context)
        }
        try await destinationReadiness(
            Session(bearer: bearer, redactor: redactor, client: client, context: context), volumeOwner: volumeOwner)
    }

    private func oauthToken(clientID: String, clientSecret: String, client: HTTPClient, context: ProbeContext)
        async throws(ProbeFailure) -> String
    {
        let request = DatabricksRequests.oauthToken(clientID: clientID, clientSecret: clientSecret)
        let redactor = Redactor(secrets: [clientSecret])
        let workspace = self.workspace
        let target = httpTarget
        return try await context.step(
            .oauthToken, "getting an OAuth token for service principal \(clientID)",
            timeoutHint: "the workspace accepted the connection but did not answer the OAuth token request in time"
        ) { outcome in
            let response = try await client.exchange(request, with: target)
            let token = try DatabricksAnswers.token(
                response, clientID: clientID, workspace: workspace, redactor: redactor
            ).get()
            context.rememberSecret(token)
            outcome.detail = "OAuth M2M token issued for service principal \(clientID)"
            return token
        }
    }

    private func checkCompute(
        bearer: String, principal: String, redactor: Redactor, client: HTTPClient, context: ProbeContext
    ) async throws(ProbeFailure) {
        let compute = config.compute
        let failureContext = DatabricksFailureContext(
            workspace: workspace, principal: principal, resource: compute.description,
            grantHint: compute.isWarehouse
                ? "CAN USE on the SQL warehouse (Permissions on the warehouse's page)" : "CAN ATTACH TO on the cluster")
        let request = DatabricksRequests.compute(compute, bearer: bearer)
        let target = httpTarget
        try await context.step(
            compute.isWarehouse ? StepName.warehouse : .cluster, "reading the state of \(compute)",
            timeoutHint: "the workspace did not answer the REST API in time"
        ) { outcome in
            let response = try await client.exchange(request, with: target)
            let state = try DatabricksAnswers.compute(
                response, compute: compute, context: failureContext, redactor: redactor
            ).get()
            let verdict = try DatabricksComputeVerdict.evaluate(state, compute: compute).get()
            outcome.status = verdict.status
            outcome.detail = verdict.detail
            outcome.hint = verdict.hint
        }
    }

    /// The volume step; answers the volume's owner when it says.
    private func checkVolume(
        _ volume: DatabricksVolume, bearer: String, principal: String, redactor: Redactor, client: HTTPClient,
        context: ProbeContext
    ) async throws(ProbeFailure) -> String? {
        let failureContext = DatabricksFailureContext(
            workspace: workspace, principal: principal, resource: "volume \(volume.fullName)",
            grantHint:
                "USE CATALOG on \(volume.catalog), USE SCHEMA on \(volume.catalog).\(volume.schema) and READ VOLUME (and WRITE VOLUME) on \(volume.fullName)"
        )
        let request = DatabricksRequests.volume(volume, bearer: bearer)
        let target = httpTarget
        return try await context.step(
            .volume, "checking that volume \(volume.fullName) exists",
            timeoutHint: "the workspace did not answer the Unity Catalog API in time"
        ) { outcome in
            let response = try await client.exchange(request, with: target)
            outcome.detail = try DatabricksAnswers.volume(
                response, volume: volume, context: failureContext, redactor: redactor
            ).get()
            return response.json()?["owner"]?.stringValue.map { PeerText.quote($0, redactor: redactor, limit: 255) }
        }
    }
}
