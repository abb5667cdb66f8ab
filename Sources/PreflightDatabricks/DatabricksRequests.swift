import Foundation
import PreflightCore
import PreflightHTTP

/// The requests a Databricks ping sends, built without I/O. All are reads except the OAuth token request
/// and, only with `writeTest: true`, the write test's put and delete of one empty file.
public enum DatabricksRequests {
    /// `POST /oidc/v1/token` (workspace-level OAuth M2M): basic auth with the client credentials,
    /// `grant_type=client_credentials&scope=all-apis`.
    public static func oauthToken(clientID: String, clientSecret: String) -> HTTPRequest {
        let basic = Data("\(clientID):\(clientSecret)".utf8).base64EncodedString()
        return .form(
            "POST", "/oidc/v1/token", [("grant_type", "client_credentials"), ("scope", "all-apis")],
            headers: [HTTPField("Authorization", "Basic \(basic)"), HTTPField("Accept", "application/json")])
    }

    /// `GET /api/2.0/sql/warehouses/<id>` or `GET /api/2.0/clusters/get?cluster_id=<id>`.
    public static func compute(_ compute: DatabricksCompute, bearer: String) -> HTTPRequest {
        switch compute {
        case .warehouse(let id):
            get("/api/2.0/sql/warehouses/" + FormEncoding.percentEncode(id), bearer: bearer)
        case .cluster(_, let clusterID):
            get("/api/2.0/clusters/get?cluster_id=" + FormEncoding.percentEncode(clusterID), bearer: bearer)
        }
    }

    /// `GET /api/2.1/unity-catalog/volumes/<catalog.schema.volume>`.
    public static func volume(_ volume: DatabricksVolume, bearer: String) -> HTTPRequest {
        get("/api/2.1/unity-catalog/volumes/" + FormEncoding.percentEncode(volume.fullName), bearer: bearer)
    }

    /// `GET /api/2.0/preview/scim/v2/Me?attributes=userName,groups`: who the token belongs to.
    public static func me(bearer: String) -> HTTPRequest {
        get("/api/2.0/preview/scim/v2/Me?attributes=userName,groups", bearer: bearer)
    }

    /// `GET /api/2.1/unity-catalog/effective-permissions/<type>/<full name>?max_results=0[&page_token=...]`:
    /// every principal's privileges on it, inherited ones included (paginated).
    public static func effectivePermissions(_ securable: DatabricksSecurable, pageToken: String?, bearer: String)
        -> HTTPRequest
    {
        var path =
            "/api/2.1/unity-catalog/effective-permissions/\(securable.apiType)/"
            + FormEncoding.percentEncode(securable.fullName) + "?max_results=0"
        if let pageToken { path += "&page_token=" + FormEncoding.percentEncode(pageToken) }
        return get(path, bearer: bearer)
    }

    /// `GET /api/2.1/unity-catalog/schemas/<catalog.schema>`: the schema, with its owner.
    public static func schema(_ fullName: String, bearer: String) -> HTTPRequest {
        get("/api/2.1/unity-catalog/schemas/" + FormEncoding.percentEncode(fullName), bearer: bearer)
    }

    /// The Files API path of a file in a volume: `/api/2.0/fs/files/Volumes/<catalog>/<schema>/<volume>/<name>`.
    public static func filePath(_ volume: DatabricksVolume, name: String) -> String {
        "/api/2.0/fs/files/Volumes/"
            + [volume.catalog, volume.schema, volume.name, name].map { FormEncoding.percentEncode($0) }
            .joined(separator: "/")
    }

    /// `PUT <file path>?overwrite=false` with an empty body: the write test's one file.
    public static func putEmptyFile(_ volume: DatabricksVolume, name: String, bearer: String) -> HTTPRequest {
        HTTPRequest(
            "PUT", filePath(volume, name: name) + "?overwrite=false",
            headers: [
                HTTPField("Authorization", "Bearer \(bearer)"), HTTPField("Content-Type", "application/octet-stream"),
            ])
    }

    /// `DELETE <file path>`.
    public static func deleteFile(_ volume: DatabricksVolume, name: String, bearer: String) -> HTTPRequest {
        HTTPRequest("DELETE", filePath(volume, name: name), headers: [HTTPField("Authorization", "Bearer \(bearer)")])
    }

    static func get(_ path: String, bearer: String) -> HTTPRequest {
        HTTPRequest(
            "GET", path,
            headers: [HTTPField("Authorization", "Bearer \(bearer)"), HTTPField("Accept", "application/json")])
    }
}
