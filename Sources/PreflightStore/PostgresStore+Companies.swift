import Foundation
import PostgresNIO

/// Companies and API keys.
extension PostgresStore {
    func createCompany(name: String) async throws -> Company {
        let name = try Company.validatedName(name)
        let now = StoreTime.nowMillis()
        let company = Company(uuid: UUID(), name: name, createdAt: StoreTime.date(millis: now))
        var binds = PostgresBindings()
        binds.append(StoreUUID.text(company.uuid))
        binds.append(company.name)
        binds.append(now)
        _ = try await rows(PostgresSQL.insertCompany, binds, "create a company")
        return company
    }

    func company(uuid: UUID) async throws -> Company? {
        var binds = PostgresBindings()
        binds.append(StoreUUID.text(uuid))
        guard let row = try await rows(PostgresSQL.selectCompany, binds, "read a company").first else { return nil }
        return try decode("read a company") { try Self.company(from: row) }
    }

    func company(named name: String) async throws -> Company? {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= Company.maximumNameLength else { return nil }
        var binds = PostgresBindings()
        binds.append(name)
        guard let row = try await rows(PostgresSQL.selectCompanyByName, binds, "find a company by name").first else {
            return nil
        }
        return try decode("find a company by name") { try Self.company(from: row) }
    }

    func companyCount() async throws -> Int {
        guard let row = try await rows(PostgresSQL.countCompanies, PostgresBindings(), "count companies").first else {
            throw StoreError(.corruptData, "COUNT(*) returned no row.")
        }
        return try decode("count companies") { Int(try row.decode(Int64.self)) }
    }

    func issueKey(for companyUUID: UUID) async throws -> IssuedKey {
        let now = StoreTime.nowMillis()
        let issued = IssuedKey.generate(for: companyUUID, at: now)
        let (secret, record) = (issued.secret, issued.record)
        var binds = PostgresBindings()
        binds.append(StoreUUID.text(record.uuid))
        binds.append(StoreUUID.text(companyUUID))
        binds.append(APIKeyGenerator.hash(secret))
        binds.append(record.prefix)
        binds.append(now)
        guard try await !rows(PostgresSQL.insertKey, binds, "issue an API key").isEmpty else {
            throw StoreError(.companyNotFound, "No company with UUID \(StoreUUID.text(companyUUID)).")
        }
        return issued
    }

    func authenticate(key: String) async throws -> Company? {
        guard APIKeyGenerator.isWellFormed(key) else { return nil }
        var binds = PostgresBindings()
        binds.append(StoreTime.nowMillis())
        binds.append(APIKeyGenerator.hash(key))
        guard
            let row = try await rows(PostgresSQL.touchKeyReturningCompany, binds, "authenticate an API key").first
        else { return nil }
        return try decode("authenticate an API key") { try Self.company(from: row) }
    }

    func revokeKey(uuid: UUID, companyUUID: UUID) async throws -> Bool {
        var binds = PostgresBindings()
        binds.append(StoreTime.nowMillis())
        binds.append(StoreUUID.text(uuid))
        binds.append(StoreUUID.text(companyUUID))
        return try await !rows(PostgresSQL.revokeKey, binds, "revoke an API key").isEmpty
    }

    func keys(for companyUUID: UUID) async throws -> [APIKeyRecord] {
        var binds = PostgresBindings()
        binds.append(StoreUUID.text(companyUUID))
        let rows = try await rows(PostgresSQL.selectKeys, binds, "list API keys")
        return try decode("list API keys") {
            try rows.map { row in
                let (uuid, company, prefix, createdAt, lastUsedAt) = try row.decode(
                    (String, String, String, Int64, Int64?).self)
                return APIKeyRecord(
                    uuid: try StoreUUID.parse(uuid, column: "api_keys.uuid"),
                    companyUUID: try StoreUUID.parse(company, column: "api_keys.company_uuid"),
                    prefix: prefix,
                    createdAt: StoreTime.date(millis: createdAt),
                    lastUsedAt: lastUsedAt.map(StoreTime.date(millis:))
                )
            }
        }
    }
}
