import Foundation
import PreflightCore
import PreflightHTTP
import PreflightTestSupport
import Synchronization
import _CryptoExtras

/// A stand-in for Google's token endpoint, BigQuery and Cloud Storage that enforces what Google
/// enforces: the assertion's RS256 signature against the account's registered public key, `aud` equal
/// to the token URL, `iss` a known account, a lifetime of at most an hour and not expired; the API
/// calls need a token it issued. Answers in Google's own error shapes.
final class FakeGoogle: Sendable {
    struct Account: Sendable {
        var publicKey: _RSA.Signing.PublicKey
        var keyID: String
    }

    struct Project: Sendable {
        /// Accounts with rights in the project (datasets.list, buckets.list).
        var members: Set<String>
        var datasets: [String: String] = [:]  // name -> location
        /// Accounts that may create jobs (BigQuery Job User).
        var jobUsers: Set<String> = []
        /// Accounts with BigQuery Data Editor on the project (datasets.create, tables.create, tables.updateData).
        var dataEditors: Set<String> = []
        /// Dataset -> its access entries, as BigQuery lists them (`{"role":..., "userByEmail":...}`).
        var datasetAccess: [String: [String]] = [:]
        var buckets: [String: [String: Set<String>]] = [:]  // bucket -> account -> permissions
        var apiDisabled = false
        var number = "123456789012"
    }

    let accounts: [String: Account]
    let projects: [String: Project]
    /// Plants the access token in the text of API errors (a careless proxy), to test that it never reaches a report.
    let echoTokenInErrors: Bool
    /// Issued tokens -> the account and scope they were issued for.
    private let issued = Mutex<[String: (email: String, scope: String)]>([:])
    /// What the token endpoint saw, for assertions in tests.
    let seenAssertions = Mutex<[String]>([])
    /// Objects uploaded and not deleted ("bucket/name"), and every upload ever made.
    let objects = Mutex<Set<String>>([])
    let uploads = Mutex<[String]>([])

    init(accounts: [String: Account], projects: [String: Project], echoTokenInErrors: Bool = false) {
        self.accounts = accounts
        self.projects = projects
        self.echoTokenInErrors = echoTokenInErrors
    }

    /// The tokens handed out so far (planted secrets for leak checks).
    var issuedTokens: [String] { issued.withLock { Array($0.keys) } }
    var issuedScopes: [String] { issued.withLock { $0.values.map(\.scope) } }

    /// The usual fixture: the loader account with the registered key; project acme-data with datasets
    /// `events` (EU) and `logs` (US), bucket `acme-landing` on which the loader may list, get, create and
    /// delete objects, and bucket `acme-readonly` on which it may only list and get; project `locked-project` where the
    /// loader has no rights; project `sleepy-project` whose APIs are disabled; project `viewer-project`
    /// where the loader may list datasets but not create jobs; project `dataset-project` where it may list
    /// datasets and create jobs but holds no project-level write permission, is a WRITER of dataset
    /// `granted` only, and `teamed` has a writer group.
    static func standard(echoTokenInErrors: Bool = false) -> FakeGoogle {
        let loader = GoogleTesting.email
        return FakeGoogle(
            accounts: [
                loader: Account(publicKey: GoogleTestKeys.registered.publicKey, keyID: GoogleTestKeys.registeredKeyID)
            ],
            projects: [
                "acme-data": Project(
                    members: [loader], datasets: ["events": "EU", "logs": "US"], jobUsers: [loader],
                    dataEditors: [loader],
                    buckets: [
                        "acme-landing": [
                            loader: [
                                "storage.objects.list", "storage.objects.get", "storage.objects.create",
                                "storage.objects.delete",
                            ]
                        ],
                        "acme-readonly": [loader: ["storage.objects.list", "storage.objects.get"]],
                        "acme-closed": [loader: ["storage.objects.create"]],
                    ]),
                "locked-project": Project(
                    members: [],
                    buckets: [
                        "locked-bucket": [
                            loader: [
                                "storage.objects.list", "storage.objects.get", "storage.objects.create",
                                "storage.objects.delete",
                            ]
                        ]
                    ]),
                "sleepy-project": Project(members: [loader], apiDisabled: true),
                "viewer-project": Project(members: [loader], datasets: ["shared": "US"]),
                "dataset-project": Project(
                    members: [loader], datasets: ["shared": "US", "granted": "US", "teamed": "US"], jobUsers: [loader],
                    datasetAccess: [
                        "granted": [#"{"role":"WRITER","userByEmail":"\#(loader)"}"#],
                        "teamed": [#"{"role":"WRITER","groupByEmail":"loaders@example.com"}"#],
                        "shared": [#"{"role":"READER","userByEmail":"\#(loader)"}"#],
                    ]),
            ],
            echoTokenInErrors: echoTokenInErrors)
    }

    func handle(_ request: ScriptedHTTPServer.Request) -> ScriptedHTTPServer.Response {
        if request.pathOnly == "/token" { return token(request) }
        guard let header = request.header("Authorization"), header.hasPrefix("Bearer ") else {
            return Self.apiError(
                401,
                "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
                status: "UNAUTHENTICATED", reason: "required")
        }
        let token = String(header.dropFirst("Bearer ".count))
        guard let holder = issued.withLock({ $0[token] }) else {
            return Self.apiError(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
                status: "UNAUTHENTICATED", reason: "authError")
        }
        let parts = request.pathOnly.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        let echo = echoTokenInErrors ? " (credential \(token))" : ""
        if request.method == "POST", parts.count == 3, parts.starts(with: ["v1", "projects"]),
            parts[2].hasSuffix(":testIamPermissions")
        {
            return projectPermissions(
                project: String(parts[2].dropLast(":testIamPermissions".count)), holder: holder, body: request.body)
        }
        if request.method == "POST", parts.count == 5, parts.starts(with: ["bigquery", "v2", "projects"]),
            parts[4] == "queries"
        {
            return query(project: parts[3], holder: holder, body: request.body, echo: echo)
        }
        if request.method == "POST", parts.count == 6, parts.starts(with: ["upload", "storage", "v1", "b"]),
            parts[5] == "o"
        {
            return upload(bucket: parts[4], name: request.query["name"], holder: holder, query: request.query)
        }
        if request.method == "DELETE", parts.count == 6, parts.starts(with: ["storage", "v1", "b"]), parts[4] == "o" {
            return deleteObject(bucket: parts[3], name: parts[5], holder: holder)
        }
        guard request.method == "GET" else {
            return Self.apiError(405, "Method not allowed in this fake", status: "INVALID_ARGUMENT", reason: "invalid")
        }
        if parts.starts(with: ["bigquery", "v2", "projects"]), parts.count >= 5, parts[4] == "datasets" {
            return bigQuery(
                project: parts[3], dataset: parts.count > 5 ? parts[5] : nil, email: holder.email, query: request.query,
                echo: echo)
        }
        if parts == ["storage", "v1", "b"] {
            return listBuckets(project: request.query["project"] ?? "", email: holder.email, echo: echo)
        }
        if parts.count == 6, parts.starts(with: ["storage", "v1", "b"]), parts[4] == "iam",
            parts[5] == "testPermissions"
        {
            return testPermissions(bucket: parts[3], email: holder.email, path: request.path)
        }
        return ScriptedHTTPServer.Response(
            status: 404, headers: [("Content-Type", "text/html")],
            body: "<!DOCTYPE html><html><body>Not Found</body></html>")
    }

    // MARK: Token endpoint

    private func token(_ request: ScriptedHTTPServer.Request) -> ScriptedHTTPServer.Response {
        let form = request.form
        guard request.method == "POST", form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer",
            let assertion = form["assertion"]
        else {
            return Self.oauthError("unsupported_grant_type", "Invalid grant_type: \(form["grant_type"] ?? "")")
        }
        seenAssertions.withLock { $0.append(assertion) }
        guard let header = JWT.unverifiedHeader(assertion), let claims = JWT.unverifiedClaims(assertion),
            header["alg"]?.stringValue == "RS256"
        else {
            return Self.oauthError("invalid_grant", "Invalid JWT: Unable to parse.")
        }
        guard let issuer = claims["iss"]?.stringValue, let account = accounts[issuer] else {
            return Self.oauthError("invalid_grant", "Invalid grant: account not found")
        }
        guard header["kid"]?.stringValue == account.keyID, JWT.verifyRS256(assertion, key: account.publicKey) else {
            return Self.oauthError("invalid_grant", "Invalid JWT Signature.")
        }
        // Google documents one audience for every access-token request, and also accepts its token URL
        // itself (the key file's token_uri, here this peer's URL): google-auth sends the former, Preflight the latter.
        let ownURL = "https://\(request.header("Host") ?? "")/token"
        guard [ownURL, "https://oauth2.googleapis.com/token"].contains(claims["aud"]?.stringValue ?? "") else {
            return Self.oauthError(
                "invalid_grant", "Invalid JWT: Failed audience check. The expected audience is \(ownURL).")
        }
        let now = Int(Date().timeIntervalSince1970)
        guard let iat = claims["iat"]?.intValue, let exp = claims["exp"]?.intValue,
            exp > iat, exp - iat <= 3600, iat <= now + 300, exp >= now - 300
        else {
            return Self.oauthError(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."
            )
        }
        guard let scope = claims["scope"]?.stringValue, !scope.isEmpty else {
            return Self.oauthError("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        }
        let token = "ya29.planted-\(UUID().uuidString)-\(UUID().uuidString)"
        issued.withLock { $0[token] = (issuer, scope) }
        return .json(200, #"{"access_token":"\#(token)","expires_in":3599,"token_type":"Bearer"}"#)
    }

    static func oauthError(_ code: String, _ description: String, status: Int = 400) -> ScriptedHTTPServer.Response {
        let body = JSONValue.object(["error": .string(code), "error_description": .string(description)]).encodedBytes()
        return .json(status, String(decoding: body, as: UTF8.self))
    }

    // MARK: APIs

    static func apiError(_ code: Int, _ message: String, status: String?, reason: String) -> ScriptedHTTPServer.Response
    {
        var error: [String: JSONValue] = [
            "code": .number(Double(code)), "message": .string(message),
            "errors": .array([
                .object(["message": .string(message), "domain": .string("global"), "reason": .string(reason)])
            ]),
        ]
        if let status { error["status"] = .string(status) }
        return .json(code, String(decoding: JSONValue.object(["error": .object(error)]).encodedBytes(), as: UTF8.self))
    }

    private func bigQuery(project: String, dataset: String?, email: String, query: [String: String], echo: String)
        -> ScriptedHTTPServer.Response
    {
        guard let state = projects[project] else {
            return Self.apiError(404, "Not found: Project \(project)", status: "NOT_FOUND", reason: "notFound")
        }
        if state.apiDisabled {
            return Self.apiError(
                403,
                "BigQuery API has not been used in project \(state.number) before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/bigquery.googleapis.com/overview?project=\(state.number) then retry.",
                status: "PERMISSION_DENIED", reason: "accessNotConfigured")
        }
        guard state.members.contains(email) else {
            return Self.apiError(
                403,
                "Access Denied: Project \(project): User does not have bigquery.datasets.get permission in project \(project).\(echo)",
                status: "PERMISSION_DENIED", reason: "accessDenied")
        }
        if let dataset {
            guard let location = state.datasets[dataset] else {
                return Self.apiError(
                    404, "Not found: Dataset \(project):\(dataset)", status: "NOT_FOUND", reason: "notFound")
            }
            let access = (state.datasetAccess[dataset] ?? []).joined(separator: ",")
            return .json(
                200,
                #"{"kind":"bigquery#dataset","id":"\#(project):\#(dataset)","datasetReference":{"datasetId":"\#(dataset)","projectId":"\#(project)"},"access":[\#(access)],"location":"\#(location)","type":"DEFAULT"}"#
            )
        }
        let limit = Int(query["maxResults"] ?? "") ?? 50
        let names = state.datasets.keys.sorted()
        let shown = names.prefix(limit).map { name in
            #"{"kind":"bigquery#dataset","id":"\#(project):\#(name)","datasetReference":{"datasetId":"\#(name)","projectId":"\#(project)"},"location":"\#(state.datasets[name]!)"}"#
        }
        let next = names.count > limit ? #","nextPageToken":"next""# : ""
        return .json(
            200, #"{"kind":"bigquery#datasetList","etag":"x","datasets":[\#(shown.joined(separator: ","))]\#(next)}"#)
    }

    /// jobs.query: only dry runs (a ping must never run anything), with the full BigQuery scope, by a job user.
    private func query(project: String, holder: (email: String, scope: String), body: [UInt8], echo: String)
        -> ScriptedHTTPServer.Response
    {
        guard
            holder.scope.split(separator: " ").contains(where: {
                $0 == "https://www.googleapis.com/auth/bigquery"
                    || $0 == "https://www.googleapis.com/auth/cloud-platform"
            })
        else {
            return .json(
                403,
                #"{"error":{"code":403,"message":"Request had insufficient authentication scopes.","status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"ACCESS_TOKEN_SCOPE_INSUFFICIENT"}]}}"#
            )
        }
        guard let request = JSONValue.parse(body), request["dryRun"]?.boolValue == true,
            request["query"]?.stringValue != nil
        else {
            return Self.apiError(400, "this fake only accepts dry runs", status: "INVALID_ARGUMENT", reason: "invalid")
        }
        guard let state = projects[project] else {
            return Self.apiError(404, "Not found: Project \(project)", status: "NOT_FOUND", reason: "notFound")
        }
        guard state.jobUsers.contains(holder.email) else {
            return Self.apiError(
                403,
                "Access Denied: Project \(project): User does not have bigquery.jobs.create permission in project \(project).\(echo)",
                status: "PERMISSION_DENIED", reason: "accessDenied")
        }
        let location = request["location"]?.stringValue ?? "US"
        return .json(
            200,
            #"{"kind":"bigquery#queryResponse","jobReference":{"projectId":"\#(project)","location":"\#(location)"},"totalBytesProcessed":"0","jobComplete":true,"cacheHit":false}"#
        )
    }

    private func listBuckets(project: String, email: String, echo: String) -> ScriptedHTTPServer.Response {
        guard let state = projects[project] else {
            return Self.apiError(404, "The requested project was not found.", status: nil, reason: "notFound")
        }
        guard state.members.contains(email) else {
            return Self.apiError(
                403,
                "\(email) does not have storage.buckets.list access to the Google Cloud project. Permission 'storage.buckets.list' denied on resource (or it may not exist).\(echo)",
                status: nil, reason: "forbidden")
        }
        let items = state.buckets.keys.sorted().prefix(1).map {
            #"{"kind":"storage#bucket","name":"\#($0)","location":"EU"}"#
        }
        return .json(
            200, #"{"kind":"storage#buckets","items":[\#(items.joined(separator: ","))],"nextPageToken":"more"}"#)
    }

    private func testPermissions(bucket: String, email: String, path: String) -> ScriptedHTTPServer.Response {
        guard let rights = projects.values.compactMap({ $0.buckets[bucket] }).first else {
            return Self.apiError(404, "The specified bucket does not exist.", status: nil, reason: "notFound")
        }
        // The query repeats `permissions`; read every occurrence.
        let asked =
            path.split(separator: "?").dropFirst().first.map { query in
                query.split(separator: "&").compactMap { pair -> String? in
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    return parts.count == 2 && parts[0] == "permissions"
                        ? String(parts[1]).removingPercentEncoding : nil
                }
            } ?? []
        let granted = asked.filter { rights[email]?.contains($0) ?? false }
        if granted.isEmpty { return .json(200, #"{"kind":"storage#testIamPermissionsResponse"}"#) }
        let list = granted.map { "\"\($0)\"" }.joined(separator: ",")
        return .json(200, #"{"kind":"storage#testIamPermissionsResponse","permissions":[\#(list)]}"#)
    }

    // MARK: Objects (a write test)

    /// Whether a token's scopes allow writing objects: devstorage.read_write, full_control or cloud-platform.
    static func canWriteObjects(_ scope: String) -> Bool {
        scope.split(separator: " ").contains {
            $0.hasSuffix("/devstorage.read_write") || $0.hasSuffix("/devstorage.full_control")
                || $0.hasSuffix("/cloud-platform")
        }
    }

    private func objectRight(_ permission: String, bucket: String, holder: (email: String, scope: String))
        -> ScriptedHTTPServer.Response?
    {
        guard let rights = projects.values.compactMap({ $0.buckets[bucket] }).first else {
            return Self.apiError(404, "The specified bucket does not exist.", status: nil, reason: "notFound")
        }
        guard Self.canWriteObjects(holder.scope) else {
            return Self.apiError(
                403, "Provided scope(s) are not authorized", status: "PERMISSION_DENIED",
                reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT")
        }
        guard rights[holder.email]?.contains(permission) == true else {
            return Self.apiError(
                403,
                "\(holder.email) does not have \(permission) access to the Google Cloud Storage object. Permission '\(permission)' denied on resource (or it may not exist).",
                status: nil, reason: "forbidden")
        }
        return nil
    }

    /// objects.insert with uploadType=media: the object resource, as Cloud Storage answers.
    private func upload(
        bucket: String, name: String?, holder: (email: String, scope: String), query: [String: String]
    ) -> ScriptedHTTPServer.Response {
        guard query["uploadType"] == "media", let name, !name.isEmpty else {
            return Self.apiError(400, "Required parameter: name", status: nil, reason: "required")
        }
        if let refusal = objectRight("storage.objects.create", bucket: bucket, holder: holder) { return refusal }
        objects.withLock { _ = $0.insert("\(bucket)/\(name)") }
        uploads.withLock { $0.append("\(bucket)/\(name)") }
        return .json(
            200,
            #"{"kind":"storage#object","id":"\#(bucket)/\#(name)/1","name":"\#(name)","bucket":"\#(bucket)","generation":"1","size":"0","contentType":"application/octet-stream"}"#
        )
    }

    /// objects.delete: 204 and an empty body.
    private func deleteObject(bucket: String, name: String, holder: (email: String, scope: String))
        -> ScriptedHTTPServer.Response
    {
        if let refusal = objectRight("storage.objects.delete", bucket: bucket, holder: holder) { return refusal }
        guard objects.withLock({ $0.remove("\(bucket)/\(name)") }) != nil else {
            return Self.apiError(404, "No such object: \(bucket)/\(name)", status: nil, reason: "notFound")
        }
        return ScriptedHTTPServer.Response(status: 204, body: "")
    }

    // MARK: Cloud Resource Manager

    /// projects.testIamPermissions: the asked permissions the caller holds (`{}` when none), for a token
    /// with one of the method's scopes; an unknown project is a 403, as Google answers for projects one
    /// cannot see.
    private func projectPermissions(project: String, holder: (email: String, scope: String), body: [UInt8])
        -> ScriptedHTTPServer.Response
    {
        let scopes = [
            "cloud-platform", "cloud-platform.read-only", "cloudplatformprojects", "cloudplatformprojects.readonly",
            "iam.test",
        ].map { "https://www.googleapis.com/auth/" + $0 }
        guard holder.scope.split(separator: " ").contains(where: { scopes.contains(String($0)) }) else {
            return Self.apiError(
                403, "Request had insufficient authentication scopes.", status: "PERMISSION_DENIED",
                reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT")
        }
        guard let state = projects[project] else {
            return Self.apiError(
                403, "The caller does not have permission", status: "PERMISSION_DENIED", reason: "forbidden")
        }
        guard
            let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
            let asked = json["permissions"] as? [String]
        else {
            return Self.apiError(
                400, "Invalid JSON payload received.", status: "INVALID_ARGUMENT", reason: "badRequest")
        }
        var held: Set<String> = []
        if state.members.contains(holder.email) { held.insert("bigquery.datasets.get") }
        if state.jobUsers.contains(holder.email) { held.insert("bigquery.jobs.create") }
        if state.dataEditors.contains(holder.email) {
            held.formUnion(["bigquery.datasets.create", "bigquery.tables.create", "bigquery.tables.updateData"])
        }
        let granted = asked.filter(held.contains)
        if granted.isEmpty { return .json(200, "{}") }
        return .json(200, #"{"permissions":[\#(granted.map { "\"\($0)\"" }.joined(separator: ","))]}"#)
    }
}
