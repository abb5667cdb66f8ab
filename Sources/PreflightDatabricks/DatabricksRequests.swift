import Foundation
import PreflightCore
import PreflightHTTP

/// The requests a Databricks ping sends, built without I/O. All are reads except the OAuth token request.
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

    static func get(_ path: String, bearer: String) -> HTTPRequest {
        HTTPRequest(
            "GET", path,
            headers: [HTTPField("Authorization", "Bearer \(bearer)"), HTTPField("Accept", "application/json")])
    }
}
