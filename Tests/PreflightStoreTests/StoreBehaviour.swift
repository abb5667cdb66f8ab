import Foundation
import Testing

@testable import PreflightStore

/// One behaviour every backend must have. The same list runs against SQLite and PostgreSQL
/// (see `StoreBackendTests`), each case on a fresh, empty database.
struct StoreBehaviour: Sendable, CustomTestStringConvertible {
    let name: String
    let body: @Sendable (StoreFixture) async throws -> Void

    var testDescription: String { name }

    init(_ name: String, _ body: @escaping @Sendable (StoreFixture) async throws -> Void) {
        self.name = name
        self.body = body
    }
}

extension StoreBehaviour {
    /// Every shared behaviour.
    static let all: [StoreBehaviour] = companiesAndKeys + tunnels + schema + planes

    /// Companies and API keys.
    static let companiesAndKeys: [StoreBehaviour] = [
        StoreBehaviour("create and read a company") { fixture in
            try await withStore(fixture) { store in
                let company = try await store.createCompany(name: "  Acme Corp \n")
                #expect(company.name == "Acme Corp")
                #expect(abs(company.createdAt.timeIntervalSinceNow) < 60)
                #expect(try await store.company(uuid: company.uuid) == company)
                #expect(try await store.company(uuid: UUID()) == nil)
            }
        },

        StoreBehaviour("company names are validated") { fixture in
            try await withStore(fixture) { store in
                for bad in ["", "   ", String(repeating: "x", count: 201)] {
                    let error = await #expect(throws: StoreError.self) { try await store.createCompany(name: bad) }
                    #expect(error?.kind == .invalidInput)
                }
                let longest = try await store.createCompany(name: String(repeating: "é", count: 200))
                #expect(longest.name.count == 200)
                let quoted = try await store.createCompany(name: "Robert'); DROP TABLE companies;--")
                #expect(try await store.company(uuid: quoted.uuid)?.name == "Robert'); DROP TABLE companies;--")
                #expect(try await store.companyCount() == 2)
            }
        },

        StoreBehaviour("companyCount counts companies") { fixture in
            try await withStore(fixture) { store in
                #expect(try await store.companyCount() == 0)
                for index in 1...3 {
                    _ = try await store.createCompany(name: "Company \(index)")
                }
                #expect(try await store.companyCount() == 3)
            }
        },

        StoreBehaviour("an issued key authenticates as its company") { fixture in
            try await withStore(fixture) { store in
                let company = try await store.createCompany(name: "Acme")
                let issued = try await store.issueKey(for: company.uuid)
                #expect(APIKeyGenerator.isWellFormed(issued.secret))
                #expect(issued.secret.hasPrefix("arsk_"))
                #expect(issued.secret.count == 45)
                #expect(issued.record.prefix == String(issued.secret.prefix(12)))
                #expect(issued.record.companyUUID == company.uuid)
                #expect(issued.record.lastUsedAt == nil)

                let listedBefore = try await store.keys(for: company.uuid)
                #expect(listedBefore == [issued.record])

                #expect(try await store.authenticate(key: issued.secret) == company)

                let listedAfter = try await store.keys(for: company.uuid)
                #expect(listedAfter.count == 1)
                let lastUsed = try #require(listedAfter.first?.lastUsedAt)
                #expect(lastUsed >= issued.record.createdAt)
                #expect(abs(lastUsed.timeIntervalSinceNow) < 60)

                // Used again within the minute: authenticated, and last_used_at is not rewritten.
                try await Task.sleep(for: .milliseconds(20))
                #expect(try await store.authenticate(key: issued.secret) == company)
                #expect(try await store.keys(for: company.uuid).first?.lastUsedAt == lastUsed)
            }
        },

        StoreBehaviour("only the key's hash is stored, never the key") { fixture in
            try await withStore(fixture) { store in
                let company = try await store.createCompany(name: "Acme")
                let issued = try await store.issueKey(for: company.uuid)
                _ = try await store.authenticate(key: issued.secret)
                let randomPart = String(issued.secret.dropFirst(APIKeyGenerator.displayPrefixLength))

                let keyRows = try await rawRows(store, .apiKeys)
                #expect(keyRows.count == 1)
                #expect(keyRows.contains { $0.contains(APIKeyGenerator.hash(issued.secret)) })
                #expect(keyRows.contains { $0.contains(issued.record.prefix) })
                for table in Migrations.Table.allCases {
                    for row in try await rawRows(store, table) {
                        #expect(!row.contains(issued.secret), "table \(table.rawValue) holds the key")
                        #expect(!row.contains(randomPart), "table \(table.rawValue) holds the key's secret part")
                    }
                }
            }
        },

        StoreBehaviour("a wrong key is rejected") { fixture in
            try await withStore(fixture) { store in
                let company = try await store.createCompany(name: "Acme")
                let issued = try await store.issueKey(for: company.uuid)
                #expect(try await store.authenticate(key: APIKeyGenerator.generate()) == nil)
                var altered = Array(issued.secret)
                altered[altered.count - 1] = altered[altered.count - 1] == "A" ? "B" : "A"
                #expect(try await store.authenticate(key: String(altered)) == nil)
                // A rejected attempt does not mark the real key used.
                #expect(try await store.keys(for: company.uuid).first?.lastUsedAt == nil)
                #expect(try await store.authenticate(key: issued.secret) == company)
            }
        },

        StoreBehaviour("malformed keys are rejected") { fixture in
            try await withStore(fixture) { store in
                let company = try await store.createCompany(name: "Acme")
                let secret = try await store.issueKey(for: company.uuid).secret
                let randomPart = String(secret.dropFirst(5))
                let malformed = [
                    "", "arsk_", "arsk", randomPart, "ARSK_" + randomPart, "sk_" + randomPart,
                    secret + "x", String(secret.dropLast()), " " + secret, secret + "\n",
                    "Bearer " + secret, "arsk_" + String(randomPart.dropLast()) + "!",
                    "arsk_" + String(randomPart.dropLast()) + "é", "arsk_' OR '1'='1",
                    APIKeyGenerator.hash(secret),
                ]
                for key in malformed {
                    #expect(try await store.authenticate(key: key) == nil, "accepted \(key.debugDescription)")
                }
                #expect(try await store.authenticate(key: secret) == company)
            }
        },

        StoreBehaviour("a revoked key no longer authenticates") { fixture in
            try await withStore(fixture) { store in
                let company = try await store.createCompany(name: "Acme")
                let revoked = try await store.issueKey(for: company.uuid)
                let kept = try await store.issueKey(for: company.uuid)
                #expect(try await store.authenticate(key: revoked.secret) == company)

                #expect(try await store.revokeKey(uuid: revoked.record.uuid, companyUUID: company.uuid))
                #expect(try await store.authenticate(key: revoked.secret) == nil)
                #expect(
                    try await !store.revokeKey(uuid: revoked.record.uuid, companyUUID: company.uuid), "revoked twice")
                #expect(try await store.keys(for: company.uuid).map(\.uuid) == [kept.record.uuid])
                #expect(try await store.authenticate(key: kept.secret) == company)
                #expect(try await !store.revokeKey(uuid: UUID(), companyUUID: company.uuid))
            }
        },

        StoreBehaviour("another company cannot revoke a key") { fixture in
            try await withStore(fixture) { store in
                let owner = try await store.createCompany(name: "Owner")
                let other = try await store.createCompany(name: "Other")
                let issued = try await store.issueKey(for: owner.uuid)
                #expect(try await !store.revokeKey(uuid: issued.record.uuid, companyUUID: other.uuid))
                #expect(try await !store.revokeKey(uuid: issued.record.uuid, companyUUID: UUID()))
                #expect(try await store.authenticate(key: issued.secret) == owner)
                #expect(try await store.keys(for: owner.uuid).count == 1)
            }
        },

        StoreBehaviour("key listings are scoped to their company") { fixture in
            try await withStore(fixture) { store in
                let first = try await store.createCompany(name: "First")
                let second = try await store.createCompany(name: "Second")
                let a1 = try await store.issueKey(for: first.uuid)
                let b1 = try await store.issueKey(for: second.uuid)
                let a2 = try await store.issueKey(for: first.uuid)

                let firstKeys = try await store.keys(for: first.uuid)
                #expect(Set(firstKeys.map(\.uuid)) == [a1.record.uuid, a2.record.uuid])
                #expect(firstKeys.allSatisfy { $0.companyUUID == first.uuid })
                #expect(firstKeys.map(\.createdAt) == firstKeys.map(\.createdAt).sorted(), "oldest first")
                #expect(try await store.keys(for: second.uuid) == [b1.record])
                #expect(try await store.keys(for: UUID()).isEmpty)
                #expect(try await store.authenticate(key: b1.secret) == second)
            }
        },

        StoreBehaviour("a key cannot be issued for an unknown company") { fixture in
            try await withStore(fixture) { store async throws in
                let error = await #expect(throws: StoreError.self) { try await store.issueKey(for: UUID()) }
                #expect(error?.kind == .companyNotFound)
                #expect(try await rawRows(store, .apiKeys).isEmpty)
            }
        },

        StoreBehaviour("data persists across reopening") { fixture in
            let (company, issued) = try await withStore(fixture) { store in
                let company = try await store.createCompany(name: "Acme")
                return (company, try await store.issueKey(for: company.uuid))
            }
            try await withStore(fixture) { store async throws in
                #expect(try await store.company(uuid: company.uuid) == company)
                #expect(try await store.companyCount() == 1)
                #expect(try await store.keys(for: company.uuid) == [issued.record])
                #expect(try await store.authenticate(key: issued.secret) == company)
            }
        },

        StoreBehaviour("migrations are idempotent") { fixture in
            for _ in 1...3 {
                try await withStore(fixture) { store in
                    let ledger = try await rawRows(store, .schemaMigrations)
                    #expect(ledger.count == Migrations.all.count, "\(ledger)")
                    _ = try await store.createCompany(name: "Acme")
                }
            }
            try await withStore(fixture) { store async throws in
                #expect(try await store.companyCount() == 3)
            }
        },

        StoreBehaviour("instances opening at once migrate once") { fixture in
            let stores = try await withThrowingTaskGroup(of: (any PreflightStore).self) { group in
                for _ in 0..<4 {
                    group.addTask { try await fixture.open() }
                }
                var stores: [any PreflightStore] = []
                for try await store in group { stores.append(store) }
                return stores
            }
            do {
                #expect(stores.count == 4)
                let ledger = try await rawRows(stores[0], .schemaMigrations)
                #expect(ledger.count == Migrations.all.count, "\(ledger)")
                let company = try await stores[1].createCompany(name: "Shared")
                let issued = try await stores[2].issueKey(for: company.uuid)
                #expect(try await stores[3].authenticate(key: issued.secret) == company)

                // Every instance writes at once (SQLite: separate connections contending for the file lock).
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (index, store) in stores.enumerated() {
                        group.addTask {
                            for round in 0..<10 {
                                let company = try await store.createCompany(name: "Instance \(index) #\(round)")
                                let key = try await store.issueKey(for: company.uuid)
                                _ = try await store.authenticate(key: key.secret)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                #expect(try await stores[0].companyCount() == 41)
            } catch {
                for store in stores { try? await store.close() }
                throw error
            }
            for store in stores { try await store.close() }
        },

        StoreBehaviour("concurrent requests on one store") { fixture in
            try await withStore(fixture) { store in
                let company = try await store.createCompany(name: "Busy")
                let keys = try await withThrowingTaskGroup(of: String.self) { group in
                    for _ in 0..<25 {
                        group.addTask {
                            let issued = try await store.issueKey(for: company.uuid)
                            let authenticated = try await store.authenticate(key: issued.secret)
                            #expect(authenticated == company)
                            _ = try await store.keys(for: company.uuid)
                            return issued.secret
                        }
                    }
                    var keys: [String] = []
                    for try await key in group { keys.append(key) }
                    return keys
                }
                #expect(Set(keys).count == 25)
                #expect(try await store.keys(for: company.uuid).count == 25)
            }
        },

        StoreBehaviour("a closed store refuses work") { fixture in
            let store = try await fixture.open()
            try await store.close()
            let error = await #expect(throws: StoreError.self) { try await store.companyCount() }
            #expect(error?.kind == .closed)
            try await store.close()  // idempotent
        },
    ]
}
