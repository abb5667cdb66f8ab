import Foundation
import SQLiteNIO

/// Turning rows into records.
extension SQLiteStore {
    /// A `companies` row.
    static func company(from row: SQLiteRow) throws -> Company {
        Company(
            uuid: try StoreUUID.parse(row.text("uuid"), column: "companies.uuid"),
            name: try row.text("name"),
            createdAt: StoreTime.date(millis: try row.int64("created_at"))
        )
    }

    /// An `ssh_tunnels` row.
    static func tunnel(from row: SQLiteRow) throws -> SSHTunnelRecord {
        SSHTunnelRecord(
            uuid: try StoreUUID.parse(row.text("uuid"), column: "ssh_tunnels.uuid"),
            companyUUID: try StoreUUID.parse(row.text("company_uuid"), column: "ssh_tunnels.company_uuid"),
            environmentUUID: try row.optionalText("environment_uuid").map {
                try StoreUUID.parse($0, column: "ssh_tunnels.environment_uuid")
            },
            name: try row.text("name"),
            host: try row.text("host"),
            port: Int(try row.int64("port")),
            username: try row.text("username"),
            publicKey: try row.text("public_key"),
            sealedPrivateKey: try row.blob("sealed_private_key"),
            hostKeyFingerprint: try row.optionalText("host_key_fingerprint"),
            createdAt: StoreTime.date(millis: try row.int64("created_at")),
            updatedAt: StoreTime.date(millis: try row.int64("updated_at"))
        )
    }
}

/// Typed column reads that fail with `corruptData` when a column is missing or of the wrong type.
extension SQLiteRow {
    func text(_ name: String) throws -> String {
        guard let data = column(name), case .text(let value) = data else {
            throw StoreError(.corruptData, "Column \(name) is missing or not text.")
        }
        return value
    }

    func int64(_ name: String) throws -> Int64 {
        guard let data = column(name), case .integer(let value) = data else {
            throw StoreError(.corruptData, "Column \(name) is missing or not an integer.")
        }
        return Int64(value)
    }

    func optionalText(_ name: String) throws -> String? {
        guard let data = column(name) else {
            throw StoreError(.corruptData, "Column \(name) is missing.")
        }
        if case .null = data { return nil }
        return try text(name)
    }

    func blob(_ name: String) throws -> Data {
        guard let data = column(name), case .blob(let buffer) = data else {
            throw StoreError(.corruptData, "Column \(name) is missing or not a blob.")
        }
        return Data(buffer.readableBytesView)
    }

    func optionalInt64(_ name: String) throws -> Int64? {
        guard let data = column(name) else {
            throw StoreError(.corruptData, "Column \(name) is missing.")
        }
        if case .null = data { return nil }
        return try int64(name)
    }
}
