import PreflightCore
import PreflightHTTP

/// A SQL warehouse's or cluster's state as the REST API reports it.
public struct DatabricksComputeState: Sendable, Equatable {
    public var name: String?
    public var state: String
    /// Warehouse `cluster_size` ("Small", "2X-Small"), or a cluster's `node_type_id`.
    public var size: String?
    /// Warehouse `num_clusters` / cluster `num_workers`.
    public var count: Int?
    /// Cluster `state_message`, warehouse `health.summary`.
    public var message: String?
    public var serverless: Bool

    public init(
        name: String?, state: String, size: String? = nil, count: Int? = nil, message: String? = nil,
        serverless: Bool = false
    ) {
        self.name = name
        self.state = state
        self.size = size
        self.count = count
        self.message = message
        self.serverless = serverless
    }
}

/// Reads Databricks' answers into tokens, states and failures. Pure.
public enum DatabricksAnswers {
    /// The OAuth token endpoint's answer: the access token, or why not.
    public static func token(_ response: HTTPResponse, clientID: String, workspace: String, redactor: Redactor)
        -> Result<String, ProbeFailure>
    {
        guard let json = response.json() else {
            if HTTPStatusCategory.isUnavailable(response.status) {
                return .failure(
                    ProbeFailure(
                        .serverUnavailable,
                        "\(workspace) could not issue an OAuth token right now (\(response.statusLine))",
                        hint: "a transient problem; try again in a minute", transient: true))
            }
            if response.status == 401 {
                return .failure(
                    ProbeFailure(
                        .auth,
                        "\(workspace) refused the client credentials of service principal \(clientID) (\(response.statusLine))",
                        hint:
                            "check sharedConfig.clientID and sharedConfig.clientSecret (Settings → Identity and access → Service principals → Secrets)"
                    ))
            }
            return .failure(DatabricksErrorMapping.notDatabricks(response, workspace: workspace))
        }
        if response.isSuccess, let token = json["access_token"]?.stringValue, !token.isEmpty {
            return .success(token)
        }
        let said = DatabricksErrorMapping.said(response, redactor: redactor)
        let code = json["error"]?.stringValue ?? json["error_code"]?.stringValue ?? ""
        switch (HTTPStatusCategory(status: response.status)?.category, code) {
        case (_, "invalid_client"), (_, "unauthorized_client"), (_, "access_denied"), (.auth?, _), (.permission?, _):
            return .failure(
                ProbeFailure(
                    .auth, "\(workspace) refused the client credentials of service principal \(clientID): \(said)",
                    hint:
                        "check sharedConfig.clientID (the application id) and sharedConfig.clientSecret, and that the service principal is assigned to this workspace"
                ))
        case (.serverUnavailable?, _):
            return .failure(
                ProbeFailure(
                    .serverUnavailable, "\(workspace) could not issue an OAuth token right now: \(said)",
                    hint: "a transient problem; try again in a minute", transient: true))
        case _ where response.isSuccess:
            return .failure(
                ProbeFailure(
                    .protocolMismatch, "\(workspace) answered the OAuth token request without an access_token",
                    hint: "sharedConfig.host must be the workspace host"))
        default:
            return .failure(
                ProbeFailure(
                    .auth, "\(workspace) refused the OAuth token request of service principal \(clientID): \(said)",
                    hint: "check sharedConfig.clientID and sharedConfig.clientSecret"))
        }
    }

    /// The warehouse or cluster answer: its state, or why it could not be read.
    public static func compute(
        _ response: HTTPResponse, compute: DatabricksCompute, context: DatabricksFailureContext, redactor: Redactor
    ) -> Result<DatabricksComputeState, ProbeFailure> {
        guard response.isSuccess else {
            return .failure(DatabricksErrorMapping.failure(response, context: context, redactor: redactor))
        }
        guard let json = response.json(), let state = json["state"]?.stringValue else {
            return .failure(
                response.json() == nil
                    ? DatabricksErrorMapping.notDatabricks(response, workspace: context.workspace)
                    : ProbeFailure(
                        .protocolMismatch,
                        "\(context.workspace) answered about \(compute) without a state (\(response.statusLine))",
                        hint: "sharedConfig.host must be the workspace host"))
        }
        func clean(_ text: String?) -> String? {
            guard let text, !text.isEmpty else { return nil }
            return PeerText.quote(text, redactor: redactor)
        }
        switch compute {
        case .warehouse:
            return .success(
                DatabricksComputeState(
                    name: clean(json["name"]?.stringValue), state: state.uppercased(),
                    size: clean(json["cluster_size"]?.stringValue),
                    count: json["num_clusters"]?.intValue, message: clean(json["health"]?["summary"]?.stringValue),
                    serverless: json["enable_serverless_compute"]?.boolValue ?? false))
        case .cluster:
            return .success(
                DatabricksComputeState(
                    name: clean(json["cluster_name"]?.stringValue), state: state.uppercased(),
                    size: clean(json["node_type_id"]?.stringValue),
                    count: json["num_workers"]?.intValue, message: clean(json["state_message"]?.stringValue)))
        }
    }

    /// The volume answer: a detail, or why it could not be read.
    public static func volume(
        _ response: HTTPResponse, volume: DatabricksVolume, context: DatabricksFailureContext, redactor: Redactor
    ) -> Result<String, ProbeFailure> {
        guard response.isSuccess else {
            return .failure(DatabricksErrorMapping.failure(response, context: context, redactor: redactor))
        }
        guard let json = response.json()?.objectValue else {
            return .failure(DatabricksErrorMapping.notDatabricks(response, workspace: context.workspace))
        }
        var detail = "volume \(json["full_name"]?.stringValue ?? volume.fullName) exists"
        if let type = json["volume_type"]?.stringValue { detail += " (\(type.lowercased()))" }
        return .success(detail)
    }
}

/// What a warehouse's or cluster's state means for the ping. Pure.
public enum DatabricksComputeVerdict {
    /// The step's status, detail and hint, or the failure for compute that is gone.
    public static func evaluate(
        _ state: DatabricksComputeState, compute: DatabricksCompute
    ) -> Result<(status: StepStatus, detail: String, hint: String?), ProbeFailure> {
        var described = compute.description
        if let name = state.name { described += " (\(name))" }
        var facts: [String] = []
        if let size = state.size { facts.append(compute.isWarehouse ? "size \(size)" : "node type \(size)") }
        if let count = state.count {
            facts.append(
                compute.isWarehouse
                    ? "\(count) cluster\(count == 1 ? "" : "s")" : "\(count) worker\(count == 1 ? "" : "s")")
        }
        if state.serverless { facts.append("serverless") }
        let suffix =
            (facts.isEmpty ? "" : ", " + facts.joined(separator: ", ")) + (state.message.map { "; \($0)" } ?? "")
        let starts =
            compute.isWarehouse
            ? (state.serverless
                ? "it starts on the first query (serverless: seconds)"
                : "it starts on the first query, which may take a few minutes")
            : "it starts when the connector connects, which takes several minutes"
        switch state.state {
        case "RUNNING", "RESIZING":
            return .success((.passed, "\(described) is \(state.state)\(suffix)", nil))
        case "STOPPED", "TERMINATED":
            return .success(
                (
                    .warning, "\(described) is \(state.state)\(suffix): \(starts)",
                    "nothing to fix; the first sync waits while it starts (set auto-stop to taste)"
                ))
        case "STARTING", "PENDING", "RESTARTING":
            return .success(
                (.warning, "\(described) is \(state.state)\(suffix): it will accept queries once it is up", nil))
        case "STOPPING", "TERMINATING":
            return .success((.warning, "\(described) is \(state.state)\(suffix): \(starts) after it has stopped", nil))
        case "DELETED", "DELETING":
            return .failure(
                ProbeFailure(
                    .databaseNotFound, "\(described) is \(state.state)",
                    hint:
                        "pick a live \(compute.isWarehouse ? "SQL warehouse" : "cluster") and copy its HTTP path into sharedConfig.httpPath"
                ))
        default:
            return .success(
                (
                    .warning, "\(described) is in state \(state.state)\(suffix)",
                    "check it in the workspace's Compute page"
                ))
        }
    }
}

extension DatabricksCompute {
    var isWarehouse: Bool {
        if case .warehouse = self { return true }
        return false
    }
}
