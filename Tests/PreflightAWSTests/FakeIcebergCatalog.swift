import Foundation
import PreflightCore
import PreflightTestSupport
import Synchronization

/// A local Iceberg REST catalog (prefix `cat-1` under `/api`) that enforces what a destination ping
/// meets: bearer tokens per principal, namespaces addressed with the 0x1F separator, CreateTableRequest
/// validation, staged creates that authorize like creates but store nothing, table drops, and Iceberg's
/// error bodies. `writer` may create tables; `reader` may only read (as with Apache Polaris, a staged
/// create is refused to it like a create).
final class FakeIcebergCatalog: Sendable {
    static let writerToken = "iceberg-writer-token-Planted-0123456789"
    static let readerToken = "iceberg-reader-token-Planted-abcdefghij"

    let namespaces: Set<[String]>
    /// Nil: `/v1/config` lists no endpoints (an older catalog).
    let endpoints: [String]?
    let stagedCreates: Bool
    let refuseDrop: Bool
    /// Tables committed: "ns\u{1F}ns2\u{1F}table".
    private let tables = Mutex<Set<String>>([])

    static let allEndpoints = [
        "GET /v1/{prefix}/namespaces", "GET /v1/{prefix}/namespaces/{namespace}",
        "HEAD /v1/{prefix}/namespaces/{namespace}", "POST /v1/{prefix}/namespaces/{namespace}/tables",
        "GET /v1/{prefix}/namespaces/{namespace}/tables/{table}",
        "POST /v1/{prefix}/namespaces/{namespace}/tables/{table}",
        "DELETE /v1/{prefix}/namespaces/{namespace}/tables/{table}",
    ]

    init(
        namespaces: Set<[String]> = [["analytics"], ["lake", "raw"]], endpoints: [String]? = allEndpoints,
        stagedCreates: Bool = true, refuseDrop: Bool = false
    ) {
        self.namespaces = namespaces
        self.endpoints = endpoints
        self.stagedCreates = stagedCreates
        self.refuseDrop = refuseDrop
    }

    /// Committed tables, `a.b.table`.
    var committed: [String] {
        tables.withLock { $0.map { $0.replacingOccurrences(of: "\u{1F}", with: ".") }.sorted() }
    }

    static func error(_ code: Int, _ type: String, _ message: String) -> ScriptedHTTPServer.Response {
        .json(code, #"{"error":{"message":"\#(message)","type":"\#(type)","code":\#(code)}}"#)
    }

    func handle(_ request: ScriptedHTTPServer.Request) -> ScriptedHTTPServer.Response {
        let principal: String
        switch request.header("Authorization") {
        case "Bearer \(Self.writerToken)": principal = "writer"
        case "Bearer \(Self.readerToken)": principal = "reader"
        default: return Self.error(401, "NotAuthorizedException", "Not authorized: the token is not valid")
        }
        let path = request.pathOnly
        if path == "/api/v1/config" {
            let listed =
                endpoints.map { #","endpoints":["# + $0.map { "\"\($0)\"" }.joined(separator: ",") + "]" } ?? ""
            return .json(200, #"{"defaults":{},"overrides":{"prefix":"cat-1"}\#(listed)}"#)
        }
        let base = "/api/v1/cat-1/namespaces"
        guard path.hasPrefix(base) else { return Self.error(404, "NoSuchRouteException", "no route for \(path)") }
        let rest = path.dropFirst(base.count).split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            .map { $0.removingPercentEncoding ?? "" }
        if rest.isEmpty && request.method == "GET" {
            let listed = namespaces.sorted { $0.joined() < $1.joined() }.map {
                "[" + $0.map { "\"\($0)\"" }.joined(separator: ",") + "]"
            }
            return .json(200, #"{"namespaces":[\#(listed.joined(separator: ","))]}"#)
        }
        guard let first = rest.first else { return Self.error(405, "BadRequestException", "method not allowed") }
        let namespace = first.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init)
        guard namespaces.contains(namespace) else {
            return Self.error(
                404, "NoSuchNamespaceException", "Namespace does not exist: \(namespace.joined(separator: "."))")
        }
        switch (request.method, rest.count) {
        case ("GET", 1), ("HEAD", 1):
            let levels = namespace.map { "\"\($0)\"" }.joined(separator: ",")
            return .json(200, #"{"namespace":[\#(levels)],"properties":{"owner":"admin"}}"#)
        case ("POST", 2) where rest[1] == "tables":
            return create(request, namespace: namespace, principal: principal)
        case ("DELETE", 3) where rest[1] == "tables":
            let key = (namespace + [rest[2]]).joined(separator: "\u{1F}")
            guard principal == "writer", !refuseDrop else {
                return Self.error(
                    403, "ForbiddenException",
                    "Principal '\(principal)' is not authorized for op DROP_TABLE_WITH_PURGE")
            }
            let removed = tables.withLock { $0.remove(key) != nil }
            return removed
                ? .init(status: 204, body: "")
                : Self.error(404, "NoSuchTableException", "Table does not exist: \(rest[2])")
        default:
            return Self.error(405, "BadRequestException", "\(request.method) is not supported here")
        }
    }

    private func create(_ request: ScriptedHTTPServer.Request, namespace: [String], principal: String)
        -> ScriptedHTTPServer.Response
    {
        guard let body = JSONValue.parse(request.body), let name = body["name"]?.stringValue, !name.isEmpty,
            body["schema"]?["type"]?.stringValue == "struct",
            let fields = body["schema"]?["fields"]?.arrayValue, !fields.isEmpty,
            fields.allSatisfy({ $0["id"]?.intValue != nil && $0["name"]?.stringValue != nil && $0["type"] != nil })
        else {
            return Self.error(400, "BadRequestException", "Invalid CreateTableRequest")
        }
        let staged = body["stage-create"]?.boolValue ?? false
        if staged && !stagedCreates {
            return Self.error(400, "BadRequestException", "stage-create is not supported by this catalog")
        }
        guard principal == "writer" else {
            return Self.error(
                403, "ForbiddenException",
                "Principal '\(principal)' with activated PrincipalRoles '[reader]' is not authorized for op \(staged ? "CREATE_TABLE_STAGED" : "CREATE_TABLE_DIRECT")"
            )
        }
        let key = (namespace + [name]).joined(separator: "\u{1F}")
        if !staged {
            let inserted = tables.withLock { $0.insert(key).inserted }
            guard inserted else { return Self.error(409, "AlreadyExistsException", "Table already exists: \(name)") }
        }
        let location = "file:///tmp/preflight-fake-warehouse/\(namespace.joined(separator: "/"))/\(name)"
        let uuid = UUID().uuidString.lowercased()
        let metadataLocation = staged ? "null" : #""\#(location)/metadata/00000-\#(uuid).metadata.json""#
        let schema = body["schema"].map { String(decoding: $0.encodedBytes(), as: UTF8.self) } ?? "{}"
        let lastColumn = fields.compactMap { $0["id"]?.intValue }.max() ?? 0
        return .json(
            200,
            #"{"metadata-location":\#(metadataLocation),"metadata":{"format-version":2,"table-uuid":"\#(uuid)","location":"\#(location)","last-sequence-number":0,"last-updated-ms":1765000000000,"last-column-id":\#(lastColumn),"current-schema-id":0,"schemas":[\#(schema)],"default-spec-id":0,"partition-specs":[{"spec-id":0,"fields":[]}],"last-partition-id":999,"default-sort-order-id":0,"sort-orders":[{"order-id":0,"fields":[]}],"properties":{},"snapshots":[],"snapshot-log":[],"metadata-log":[],"refs":{}},"config":{}}"#
        )
    }
}
