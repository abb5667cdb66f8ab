import PreflightCore

/// What Cloud Storage's answers say. Pure.
enum GCSAnswers {
    /// The object rights a destination bucket needs, in the order they are reported.
    static let objectPermissions = [
        "storage.objects.list", "storage.objects.get", "storage.objects.create", "storage.objects.delete",
    ]
    /// Without these the bucket cannot be read at all: the ping fails. Without `create` or `delete` the
    /// destination readiness check `write_permissions` fails.
    static let essential: Set<String> = ["storage.objects.list", "storage.objects.get"]

    /// `buckets.list`: how many buckets came back (at most one is asked for) and the first one's name and location.
    struct BucketList: Sendable, Equatable {
        var count: Int
        var more: Bool
        var first: String?
        var firstLocation: String?
    }

    static func bucketList(_ json: JSONValue) -> BucketList? {
        guard case .object(let members) = json else { return nil }
        if let kind = members["kind"]?.stringValue, kind != "storage#buckets" { return nil }
        let items: [JSONValue]
        switch members["items"] ?? .null {
        case .null: items = []
        case .array(let array): items = array
        default: return nil
        }
        let more = (members["nextPageToken"]?.stringValue).map { !$0.isEmpty } ?? false
        return BucketList(
            count: items.count, more: more,
            first: items.first?["name"]?.stringValue.map { PeerText.quote($0) },
            firstLocation: items.first?["location"]?.stringValue.map { PeerText.quote($0) })
    }

    static func describe(_ list: BucketList, projectID: String) -> String {
        guard list.count > 0 else { return "project \(projectID) reachable; it has no buckets" }
        var text = "project \(projectID) reachable; buckets can be listed"
        if let first = list.first {
            text +=
                " (first: \(first)" + (list.firstLocation.map { " in \($0)" } ?? "") + (list.more ? ", and more)" : ")")
        }
        return text
    }

    /// `testIamPermissions`: the rights the account holds on the bucket; nil when the body is not that answer.
    static func grantedPermissions(_ json: JSONValue) -> Set<String>? {
        guard case .object(let members) = json else { return nil }
        if let kind = members["kind"]?.stringValue, kind != "storage#testIamPermissionsResponse" { return nil }
        switch members["permissions"] ?? .null {
        case .null: return []
        case .array(let items): return Set(items.compactMap(\.stringValue))
        default: return nil
        }
    }

    /// The verdict on the bucket's rights: a failure when list or get is missing (the bucket cannot be
    /// read at all); otherwise the step's detail. The write rights are the `write_permissions` check's.
    enum Verdict: Sendable {
        case passed(detail: String)
        case failed(ProbeFailure)
    }

    static func verdict(granted: Set<String>, bucket: String, email: String) -> Verdict {
        let missing = objectPermissions.filter { !granted.contains($0) }
        let held = objectPermissions.filter { granted.contains($0) }
        let heldText = held.isEmpty ? "none of them" : held.joined(separator: ", ")
        if missing.contains(where: essential.contains) {
            return .failed(
                ProbeFailure(
                    .permission,
                    "service account \(email) lacks \(missing.joined(separator: ", ")) on bucket \(bucket) (holds \(heldText))",
                    hint: GCSDestinationReadiness.roleFix(bucket: bucket, email: email)))
        }
        return .passed(
            detail: "bucket \(bucket): \(email) holds \(heldText)"
                + (missing.isEmpty ? "" : "; lacks \(missing.joined(separator: ", "))"))
    }
}
