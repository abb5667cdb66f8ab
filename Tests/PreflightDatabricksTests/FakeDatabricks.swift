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
    /// Unity Catalog: grants by securable full name (`main`, `main.raw`, `main.raw.files`) → principal →
    /// privileges; effective permissions add the parents' grants as inherited.
    let grants: [String: [String: [String]]]
    /// Owners by full name (schemas and volumes).
    let owners: [String: String]
    /// Schemas that exist (`catalog.schema`).
    let schemas: Set<String>
    /// The user behind the personal access token, and its direct groups.
    let patUser: (name: String, groups: [String])
    /// Effective permissions per page (the server's page length when `max_results=0`).
    let grantsPageLength: Int
    /// When set, DELETE of a volume file answers 403 (the write test leaves its file behind).
    let refuseDelete: Bool

    private let issued = Mutex<[String]>([])
    /// Volume files: "/Volumes/c/s/v/name".
    private let files = Mutex<Set<String>>([])

    init(
        personalAccessToken: String, clientID: String, clientSecret: String, warehouses: [String: Warehouse],
        clusters: [String: String] = [:], volumes: [String: Bool] = [:], echoBearerIn403: Bool = false,
        grants: [String: [String: [String]]] = [:], owners: [String: String] = [:], schemas: Set<String> = [],
        patUser: (name: String, groups: [String]) = ("dana@example.com", ["users"]), grantsPageLength: Int = 2,
        refuseDelete: Bool = false
    ) {
        self.grants = grants
        self.owners = owners
        self.schemas = schemas
        self.patUser = patUser
        self.grantsPageLength = grantsPageLength
        self.refuseDelete = refuseDelete
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

    /// Files left in volumes.
    var volumeFiles: Set<String> { files.withLock { $0 } }

    func handle(_ request: ScriptedHTTPServer.Request) -> ScriptedHTTPServer.Response {
        if request.method == "POST" && request.pathOnly == "/oidc/v1/token" { return token(request) }
        let filesAPI = request.pathOnly.hasPrefix("/api/2.0/fs/files/")
        guard request.method == "GET" || (filesAPI && ["PUT", "DELETE"].contains(request.method)) else {
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
        var caller = bearer == personalAccessToken ? patUser : (name: clientID, groups: [String]())
        if path == "/api/2.0/preview/scim/v2/Me" {
            // A careless proxy in front of the workspace: the token in every name it returns.
            if echoBearerIn403 { caller = (caller.name + " " + bearer, caller.groups.map { $0 + " " + bearer }) }
            return me(caller)
        }
        if path.hasPrefix("/api/2.1/unity-catalog/effective-permissions/") {
            return effectivePermissions(request, path: path)
        }
        if path.hasPrefix("/api/2.1/unity-catalog/schemas/") {
            let name = String(path.dropFirst("/api/2.1/unity-catalog/schemas/".count)).removingPercentEncoding ?? ""
            guard schemas.contains(name) else {
                return .json(
                    404, #"{"error_code":"SCHEMA_DOES_NOT_EXIST","message":"Schema '\#(name)' does not exist."}"#)
            }
            let parts = name.split(separator: ".")
            return .json(
                200,
                #"{"name":"\#(parts[1])","catalog_name":"\#(parts[0])","full_name":"\#(name)","owner":"\#(owners[name] ?? "admins")"}"#
            )
        }
        if filesAPI { return file(request, path: path, caller: caller) }
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
            return .json(
                200,
                #"{"full_name":"\#(name)","volume_type":"MANAGED","storage_location":"s3://bucket/x","owner":"\#(owners[name] ?? "admins")"}"#
            )
        }
        return .json(404, #"{"error_code":"ENDPOINT_NOT_FOUND","message":"No API found for 'GET \#(path)'"}"#)
    }

    private func me(_ caller: (name: String, groups: [String])) -> ScriptedHTTPServer.Response {
        let groups = caller.groups.enumerated().map { index, group in
            #"{"display":"\#(group)","value":"\#(100 + index)","$ref":"Groups/\#(100 + index)"}"#
        }
        return .json(
            200,
            #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"4242","userName":"\#(caller.name)","groups":[\#(groups.joined(separator: ","))]}"#
        )
    }

    /// The parents of a full name, itself last, with their securable types.
    private static func lineage(_ fullName: String) -> [(name: String, type: String)] {
        let parts = fullName.split(separator: ".").map(String.init)
        let types = ["CATALOG", "SCHEMA", "VOLUME"]
        return parts.indices.map { (parts[...$0].joined(separator: "."), types[min($0, 2)]) }
    }

    private func effectivePermissions(_ request: ScriptedHTTPServer.Request, path: String)
        -> ScriptedHTTPServer.Response
    {
        let rest = path.dropFirst("/api/2.1/unity-catalog/effective-permissions/".count)
        guard let slash = rest.firstIndex(of: "/") else {
            return .json(404, #"{"error_code":"ENDPOINT_NOT_FOUND","message":"No API found"}"#)
        }
        let type = rest[..<slash].lowercased()
        let name = String(rest[rest.index(after: slash)...]).removingPercentEncoding ?? ""
        let exists = type == "volume" ? volumes[name] != nil : type == "schema" ? schemas.contains(name) : false
        guard exists else {
            return .json(
                404, #"{"error_code":"NOT_FOUND","message":"\#(type.capitalized) '\#(name)' does not exist."}"#)
        }
        if let max = request.query["max_results"].flatMap(Int.init), max != 0, max < 150 {
            return .json(
                400, #"{"error_code":"INVALID_PARAMETER_VALUE","message":"max_results must be 0 or at least 150"}"#)
        }
        // principal → [(privilege, inherited from type, inherited from name)]
        var merged: [String: [(String, String?, String?)]] = [:]
        var order: [String] = []
        for (securable, securableType) in Self.lineage(name) {
            for (principal, privileges) in (grants[securable] ?? [:]).sorted(by: { $0.key < $1.key }) {
                if merged[principal] == nil { order.append(principal) }
                for privilege in privileges {
                    let inherited = securable == name ? nil : (securableType, securable)
                    merged[principal, default: []].append((privilege, inherited?.0, inherited?.1))
                }
            }
        }
        if let principal = request.query["principal"] { order = order.filter { $0 == principal } }
        let paginated = request.query["max_results"] != nil
        let start = paginated ? Int(request.query["page_token"] ?? "0") ?? 0 : 0
        let end = paginated ? min(order.count, start + grantsPageLength) : order.count
        let assignments = order[min(start, order.count)..<end].map { principal in
            let privileges = merged[principal, default: []].map { privilege, type, from in
                let inherited =
                    type.map { #","inherited_from_type":"\#($0)","inherited_from_name":"\#(from ?? "")""# } ?? ""
                return #"{"privilege":"\#(privilege)"\#(inherited)}"#
            }
            return #"{"principal":"\#(principal)","privileges":[\#(privileges.joined(separator: ","))]}"#
        }
        let next = end < order.count ? #","next_page_token":"\#(end)""# : ""
        return .json(200, #"{"privilege_assignments":[\#(assignments.joined(separator: ","))]\#(next)}"#)
    }

    /// The Files API on volumes: PUT needs WRITE_VOLUME (or ALL_PRIVILEGES) for the caller or its groups.
    private func file(_ request: ScriptedHTTPServer.Request, path: String, caller: (name: String, groups: [String]))
        -> ScriptedHTTPServer.Response
    {
        let filePath = String(path.dropFirst("/api/2.0/fs/files".count)).removingPercentEncoding ?? ""
        let parts = filePath.split(separator: "/").map(String.init)
        guard parts.count >= 5, parts[0] == "Volumes", volumes[parts[1...3].joined(separator: ".")] != nil else {
            return .json(404, #"{"error_code":"NOT_FOUND","message":"The directory being accessed is not found."}"#)
        }
        let volume = parts[1...3].joined(separator: ".")
        let holders = [caller.name] + caller.groups + ["account users"]
        let held = Set(
            Self.lineage(volume).flatMap { name, _ in
                holders.flatMap { grants[name]?[$0] ?? [] }
            })
        switch request.method {
        case "PUT":
            guard held.contains("WRITE_VOLUME") || held.contains("ALL_PRIVILEGES") || owners[volume] == caller.name
            else {
                return .json(
                    403,
                    #"{"error_code":"PERMISSION_DENIED","message":"User does not have WRITE VOLUME on Volume '\#(volume)'."}"#
                )
            }
            let inserted = files.withLock { files -> Bool in
                if request.query["overwrite"] == "false" && files.contains(filePath) { return false }
                files.insert(filePath)
                return true
            }
            return inserted
                ? .json(204, "")
                : .json(409, #"{"error_code":"ALREADY_EXISTS","message":"The file being created already exists."}"#)
        default:
            if refuseDelete {
                return .json(
                    403, #"{"error_code":"PERMISSION_DENIED","message":"User may not delete files in '\#(volume)'."}"#)
            }
            let removed = files.withLock { $0.remove(filePath) != nil }
            return removed
                ? .json(204, "")
                : .json(404, #"{"error_code":"NOT_FOUND","message":"The file being accessed is not found."}"#)
        }
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
