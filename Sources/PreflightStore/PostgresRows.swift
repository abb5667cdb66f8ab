import Foundation
import PostgresNIO

/// Turning rows into records.
extension PostgresStore {
    /// A `companies` row.
    static func company(from row: PostgresRow) throws -> Company {
        let (uuid, name, createdAt) = try row.decode((String, String, Int64).self)
        return Company(
            uuid: try StoreUUID.parse(uuid, column: "companies.uuid"),
            name: name,
            createdAt: StoreTime.date(millis: createdAt)
        )
    }

    /// An `ssh_tunnels` row.
    static func tunnel(from row: PostgresRow) throws -> SSHTunnelRecord {
        let columns = try row.decode(
            (String, String, String?, String, String, Int32, String, String, Data, String?, Int64, Int64).self
        )
        return SSHTunnelRecord(
            uuid: try StoreUUID.parse(columns.0, column: "ssh_tunnels.uuid"),
            companyUUID: try StoreUUID.parse(columns.1, column: "ssh_tunnels.company_uuid"),
            environmentUUID: try columns.2.map { try StoreUUID.parse($0, column: "ssh_tunnels.environment_uuid") },
            name: columns.3,
            host: columns.4,
            port: Int(columns.5),
            username: columns.6,
            publicKey: columns.7,
            sealedPrivateKey: columns.8,
            hostKeyFingerprint: columns.9,
            createdAt: StoreTime.date(millis: columns.10),
            updatedAt: StoreTime.date(millis: columns.11)
        )
    }
}
