import Foundation
import SQLiteNIO

/// Companies and API keys.
extension SQLiteStore {
    func createCompany(name: String) async throws -> Company {
        let name = try Company.validatedName(name)
        let now = StoreTime.nowMillis()
        let company = Company(uuid: UUID(), name: name, createdAt: StoreTime.date(millis: now))
        try await run("create a company") { db in
            _ = try await Self.execute(
                db, SQLiteSQL.insertCompany,
                [
                    .text(StoreUUID.text(company.uuid)), .text(company.name), .integer(Int(now)),
                ])
        }
        return company
    }

    func company(uuid: UUID) async throws -> Company? {
        try await run("read a company") { db in
            try await Self.company(uuid: uuid, in: db)
        }
    }

    func company(named name: String) async throws -> Company? {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= Company.maximumNameLength else { return nil }
        return try await run("find a company by name") { db in
            let rows = try await Self.execute(db, SQLiteSQL.selectCompanyByName, [.text(name)])
            return try rows.first.map(Self.company(from:))
        }
    }

    func companyCount() async throws -> Int {
        try await run("count companies") { db in
            let rows = try await Self.execute(db, SQLiteSQL.countCompanies)
            guard let count = rows.first?.column("count")?.integer else {
                throw StoreError(.corruptData, "COUNT(*) returned no value.")
            }
            return Int(count)
        }
    }

    func issueKey(for companyUUID: UUID) async throws -> IssuedKey {
        let now = StoreTime.nowMillis()
        let issued = IssuedKey.generate(for: companyUUID, at: now)
        let (secret, record) = (issued.secret, issued.record)
        try await run("issue an API key") { db in
            let rows = try await Self.execute(
                db, SQLiteSQL.insertKey,
                [
                    .text(StoreUUID.text(record.uuid)), .text(StoreUUID.text(companyUUID)),
                    .text(APIKeyGenerator.hash(secret)), .text(record.prefix), .integer(Int(now)),
                ])
            guard !rows.isEmpty else {
                throw StoreError(.companyNotFound, "No company with UUID \(StoreUUID.text(companyUUID)).")
            }
        }
        return issued
    }

    func authenticate(key: String) async throws -> Company? {
        guard APIKeyGenerator.isWellFormed(key) else { return nil }
        let hash = APIKeyGenerator.hash(key)
        return try await run("authenticate an API key") { db in
            let rows = try await Self.execute(db, SQLiteSQL.selectKeyCompany, [.text(hash)])
            guard let row = rows.first else { return nil }
            let now = StoreTime.nowMillis()
            if let last = try row.optionalInt64("last_used_at"), last >= now - APIKeyRecord.lastUsedGranularityMillis {
                // Used within the granularity: no write.
            } else {
                _ = try await Self.execute(db, SQLiteSQL.touchKey, [.integer(Int(now)), .text(hash)])
            }
            return try Self.company(from: row)
        }
    }

    func revokeKey(uuid: UUID, companyUUID: UUID) async throws -> Bool {
        try await run("revoke an API key") { db in
            let rows = try await Self.execute(
                db, SQLiteSQL.revokeKey,
                [
                    .integer(Int(StoreTime.nowMillis())), .text(StoreUUID.text(uuid)),
                    .text(StoreUUID.text(companyUUID)),
                ])
            return !rows.isEmpty
        }
    }

    func keys(for companyUUID: UUID) async throws -> [APIKeyRecord] {
        try await run("list API keys") { db in
            let rows = try await Self.execute(db, SQLiteSQL.selectKeys, [.text(StoreUUID.text(companyUUID))])
            return try rows.map { row in
                APIKeyRecord(
                    uuid: try StoreUUID.parse(row.text("uuid"), column: "api_keys.uuid"),
                    companyUUID: try StoreUUID.parse(row.text("company_uuid"), column: "api_keys.company_uuid"),
                    prefix: try row.text("prefix"),
                    createdAt: StoreTime.date(millis: try row.int64("created_at")),
                    lastUsedAt: try row.optionalInt64("last_used_at").map(StoreTime.date(millis:))
                )
            }
        }
    }

    /// The company with `uuid`, read on `db` (inside an operation already holding the gate).
    static func company(uuid: UUID, in db: SQLiteConnection) async throws -> Company? {
        let rows = try await Self.execute(db, SQLiteSQL.selectCompany, [.text(StoreUUID.text(uuid))])
        return try rows.first.map(company(from:))
    }
}
