import PreflightCore

/// What BigQuery's answers say, for the steps' details and the location check. Pure.
enum BigQueryAnswers {
    /// How many datasets to list when no dataset is named (enough to show where the project keeps its data).
    static let listSize = 50

    /// `datasets.list`: the datasets seen, their locations, and whether there are more.
    struct DatasetList: Sendable, Equatable {
        var count: Int
        var more: Bool
        /// Location -> number of datasets seen there, in first-seen order.
        var locations: [(String, Int)]

        static func == (lhs: DatasetList, rhs: DatasetList) -> Bool {
            lhs.count == rhs.count && lhs.more == rhs.more && lhs.locations.map(\.0) == rhs.locations.map(\.0)
                && lhs.locations.map(\.1) == rhs.locations.map(\.1)
        }
    }

    /// Nil when the body is not a dataset list.
    static func datasetList(_ json: JSONValue) -> DatasetList? {
        guard case .object(let members) = json else { return nil }
        if let kind = members["kind"]?.stringValue, kind != "bigquery#datasetList" { return nil }
        let items: [JSONValue]
        switch members["datasets"] ?? .null {
        case .null: items = []
        case .array(let array): items = array
        default: return nil
        }
        var locations: [(String, Int)] = []
        for item in items {
            guard let location = item["location"]?.stringValue, !location.isEmpty else { continue }
            if let index = locations.firstIndex(where: { BigQueryLocation.same($0.0, location) }) {
                locations[index].1 += 1
            } else {
                locations.append((PeerText.quote(location), 1))
            }
        }
        let more = (members["nextPageToken"]?.stringValue).map { !$0.isEmpty } ?? false
        return DatasetList(count: items.count, more: more, locations: locations)
    }

    /// "project p reachable: 3 datasets (US: 2, EU: 1)".
    static func describe(_ list: DatasetList, projectID: String, listedAll: Bool) -> String {
        if list.count == 0 { return "project \(projectID) reachable; it has no datasets yet" }
        let count = list.more ? "\(list.count)+" : "\(list.count)"
        let noun = list.count == 1 && !list.more ? "dataset" : "datasets"
        let places = list.locations.map { "\($0.0): \($0.1)" }.joined(separator: ", ")
        if !listedAll { return "project \(projectID) reachable; datasets can be listed" }
        return "project \(projectID) reachable: \(count) \(noun)" + (places.isEmpty ? "" : " (\(places))")
    }

    /// `datasets.get`, as far as the ping needs it.
    struct Dataset: Sendable, Equatable {
        var location: String?
        /// The dataset's access entries that let someone write (WRITER, OWNER, dataEditor, dataOwner, admin):
        /// `userByEmail` / `iamMember` values, lower-cased, and the group-like ones (`groupByEmail:...`,
        /// `domain:...`), whose members cannot be known from here.
        var writers: [String] = []
        var groupWriters: [String] = []
    }

    /// Dataset roles that include bigquery.tables.create and bigquery.tables.updateData.
    static let writingRoles: Set<String> = [
        "WRITER", "OWNER", "roles/bigquery.dataEditor", "roles/bigquery.dataOwner", "roles/bigquery.admin",
    ]

    /// Nil when the body is not a dataset.
    static func dataset(_ json: JSONValue) -> Dataset? {
        guard case .object(let members) = json else { return nil }
        if let kind = members["kind"]?.stringValue, kind != "bigquery#dataset" { return nil }
        guard members["datasetReference"] != nil || members["id"] != nil || members["location"] != nil else {
            return nil
        }
        var found = Dataset(location: members["location"]?.stringValue.map { PeerText.quote($0) })
        if case .array(let entries) = members["access"] ?? .null {
            for entry in entries {
                guard let role = entry["role"]?.stringValue, writingRoles.contains(role) else { continue }
                if let user = entry["userByEmail"]?.stringValue {
                    found.writers.append(user.lowercased())
                } else if let member = entry["iamMember"]?.stringValue {
                    found.writers.append(member.lowercased())
                } else if let group = entry["groupByEmail"]?.stringValue {
                    found.groupWriters.append("group \(PeerText.quote(group))")
                } else if let domain = entry["domain"]?.stringValue {
                    found.groupWriters.append("domain \(PeerText.quote(domain))")
                }
            }
        }
        return found
    }

    /// A failure when the dataset's location is not the configured one; nil when they agree (or either is unknown).
    static func locationMismatch(dataset: String, projectID: String, observed: String?, configured: String?)
        -> ProbeFailure?
    {
        guard let observed, let configured, !BigQueryLocation.same(observed, configured) else { return nil }
        return ProbeFailure(
            .invalidConfig,
            "dataset \(projectID):\(dataset) is in location \(observed), but sharedConfig.location is \(configured)",
            hint:
                "set sharedConfig.location to \(observed): BigQuery runs loads and queries in the dataset's location, and a dataset cannot be moved"
        )
    }

    /// The body of a dry-run `jobs.query`: nothing runs, nothing is read or billed.
    static func dryRunRequest(location: String?) -> JSONValue {
        var members: [String: JSONValue] = [
            "query": .string("SELECT 1"),
            "useLegacySql": .bool(false),
            "dryRun": .bool(true),
        ]
        if let location { members["location"] = .string(location) }
        return .object(members)
    }

    /// The location a dry-run job was planned in ("" when not said); nil when the body is not a query response.
    static func dryRunLocation(_ json: JSONValue) -> String? {
        guard case .object(let members) = json else { return nil }
        if let kind = members["kind"]?.stringValue, kind != "bigquery#queryResponse" { return nil }
        guard members["kind"] != nil || members["jobReference"] != nil else { return nil }
        return members["jobReference"]?["location"]?.stringValue.map { PeerText.quote($0) } ?? ""
    }
}
