import Foundation
import PreflightCore
import PreflightTestSupport
import Synchronization

/// A local stand-in for a Databricks workspace that enforces what a ping meets: bearer tokens (a personal
/// access token, or an access token it issued), OAuth M2M client credentials by basic auth with
/// `grant_type=client_credentials` and `scope=all-apis`, SQL warehouse and cluster states, per-resource
/// permissions and Unity Catalog volumes.
final class FakeDatabricks: Sendable {
    struct Warehouse: Sendable {
        var name: String
        var state: String
        var size: String = "Small"
        var allowed = true
    }

    let personalAccessToken: String
    let clientID: String
    let clientSecret: String
    let warehouses: [String: Warehouse]
    /// Cluster id -> state.
    let clusters: [String: String]
    /// Full name -> readable by the principal.
    let volumes: [String: Bool]
    /// When set, 403 answers quote the bearer token they were given.
    let echoBearerIn403: Bool

    private let issued = Mutex<[String]>([])

    init(
        personalAccessToken: String, clientID: String, clientSecret: String, warehouses: [String: Warehouse],
        clusters: [String: String] = [:], volumes: [String: Bool] = [:], echoBearerIn403: Bool = false
    ) {
        self.personalAccessToken = personalAccessToken
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.warehouses = warehouses
        self.clusters = clusters
        self.volumes = volumes
        self.echoBearerIn403 = echoBearerIn403
    }

    /// Access tokens issued so far.
    var issuedTokens: [String] { issued.withLock { $0 } }

    func handle(_ request: ScriptedHTTPServer.Request) -> ScriptedHTTPServer.Response {
        if request.method == "POST" && request.pathOnly == "/oidc/v1/token" { return token(request) }
        guard request.method == "GET" else {
            return .json(405, #"{"error_code":"BAD_REQUEST","message":"method not allowed"}"#)
        }
        guard let authorization = request.header("Authorization"), authorization.hasPrefix("Bearer ") else {
            return .json(
                401,
                #"{"error_code":"401","message":"Credential was not sent or was of an unsupported type for this API."}"#
            )
        }
        let bearer = String(authorization.dropFirst("Bearer ".count))
        guard bearer == personalAccessToken || issuedTokens.contains(bearer) else {
            return .json(401, #"{"error_code":"401","message":"Invalid access token."}"#)
        }
        let path = request.pathOnly
        if path.hasPrefix("/api/2.0/sql/warehouses/") {
            let id = String(path.dropFirst("/api/2.0/sql/warehouses/".count))
            guard let warehouse = warehouses[id] else {
                return .json(
                    404, #"{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Unable to find warehouse \#(id)."}"#)
            }
            guard warehouse.allowed else { return forbidden("CAN_USE on warehouse \(id)", bearer: bearer) }
            return .json(
                200,
                #"{"id":"\#(id)","name":"\#(warehouse.name)","cluster_size":"\#(warehouse.size)","num_clusters":1,"state":"\#(warehouse.state)","enable_serverless_compute":false,"auto_stop_mins":10}"#
            )
        }
        if path == "/api/2.0/clusters/get" {
            let id = request.query["cluster_id"] ?? ""
            guard let state = clusters[id] else {
                return .json(
                    400, #"{"error_code":"INVALID_PARAMETER_VALUE","message":"Cluster \#(id) does not exist"}"#)
            }
            return .json(
                200,
                #"{"cluster_id":"\#(id)","cluster_name":"etl","state":"\#(state)","state_message":"","node_type_id":"i3.xlarge","num_workers":2}"#
            )
        }
        if path.hasPrefix("/api/2.1/unity-catalog/volumes/") {
            let name = String(path.dropFirst("/api/2.1/unity-catalog/volumes/".count)).removingPercentEncoding ?? ""
            guard let readable = volumes[name] else {
                return .json(404, #"{"error_code":"NOT_FOUND","message":"Volume '\#(name)' does not exist."}"#)
            }
            guard readable else { return forbidden("READ VOLUME on \(name)", bearer: bearer) }
            return .json(200, #"{"full_name":"\#(name)","volume_type":"MANAGED","storage_location":"s3://bucket/x"}"#)
        }
        return .json(404, #"{"error_code":"ENDPOINT_NOT_FOUND","message":"No API found for 'GET \#(path)'"}"#)
    }

    private func forbidden(_ what: String, bearer: String) -> ScriptedHTTPServer.Response {
        let suffix = echoBearerIn403 ? " (token \(bearer))" : ""
        return .json(403, #"{"error_code":"PERMISSION_DENIED","message":"User does not have \#(what)\#(suffix)."}"#)
    }

    private func token(_ request: ScriptedHTTPServer.Request) -> ScriptedHTTPServer.Response {
        let invalid = ScriptedHTTPServer.Response.json(
            401, #"{"error":"invalid_client","error_description":"Client authentication failed"}"#)
        guard let authorization = request.header("Authorization"), authorization.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(authorization.dropFirst("Basic ".count))).map({
                String(decoding: $0, as: UTF8.self)
            }),
            decoded == "\(clientID):\(clientSecret)"
        else { return invalid }
        let form = request.form
        guard form["grant_type"] == "client_credentials" else {
            return .json(400, #"{"error":"unsupported_grant_type","error_description":"grant type not supported"}"#)
        }
        guard form["scope"] == "all-apis" else {
            return .json(400, #"{"error":"invalid_scope","error_description":"scope not allowed"}"#)
        }
        let token = "planted-access-token-" + UUID().uuidString
        issued.withLock { $0.append(token) }
        return .json(200, #"{"access_token":"\#(token)","token_type":"Bearer","scope":"all-apis","expires_in":3600}"#)
    }
}
