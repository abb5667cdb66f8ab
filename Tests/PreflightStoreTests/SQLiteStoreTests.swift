import Foundation
import Testing

@testable import PreflightStore

@Suite("SQLite specifics")
struct SQLiteStoreTests {
    @Test("a file store is in WAL mode and syncs every commit (an acknowledged write survives a crash)")
    func durabilitySettings() async throws {
        try await StoreFixture.with(.sqlite) { fixture in
            let store = try #require(try await fixture.open() as? SQLiteStore)
            #expect(try await store.pragma("journal_mode") == "wal")
            // 2 = FULL: the WAL is synced at each commit, not only at checkpoints (NORMAL = 1).
            #expect(try await store.pragma("synchronous") == "2")
            try await store.close()
        }
    }

    @Test("the key never reaches the database files")
    func keyNotInFiles() async throws {
        try await StoreFixture.with(.sqlite) { fixture in
            let path = try #require(fixture.sqlitePath)
            let store = try await fixture.open()
            let company = try await store.createCompany(name: "Acme")
            let issued = try await store.issueKey(for: company.uuid)
            _ = try await store.authenticate(key: issued.secret)
            let secretBytes = Array(issued.secret.utf8)
            let hashBytes = Array(APIKeyGenerator.hash(issued.secret).utf8)

            // While open, recent writes live in the -wal file (WAL mode).
            let wal = try #require(
                FileManager.default.contents(atPath: path + "-wal"), "no -wal file: not in WAL mode?")
            let main = FileManager.default.contents(atPath: path) ?? Data()
            let everything = Array(main) + Array(wal)
            #expect(contains(everything, hashBytes), "the hash should be on disk")
            #expect(!contains(everything, secretBytes))

            try await store.close()
            let closed =
                Array(FileManager.default.contents(atPath: path) ?? Data())
                + Array(FileManager.default.contents(atPath: path + "-wal") ?? Data())
            #expect(!contains(closed, secretBytes))
        }
    }

    @Test("the plaintext private key never reaches the database files")
    func privateKeyNotInFiles() async throws {
        try await StoreFixture.with(.sqlite) { fixture in
            let path = try #require(fixture.sqlitePath)
            let sealer = SecretSealer(MasterKey.generate())
            let store = try await fixture.open()
            let company = try await store.createCompany(name: "Acme")
            let tunnel = try await store.createTunnel(try TunnelSamples.record(company: company.uuid, sealer: sealer))
            let other = try await store.createTunnel(
                try TunnelSamples.record(
                    company: company.uuid, sealer: sealer, name: "other", plaintext: TunnelSamples.replacementKey
                ))
            let replaced = try #require(
                try await store.replaceTunnelKey(
                    uuid: tunnel.uuid, companyUUID: company.uuid, publicKey: TunnelSamples.replacementPublicKey,
                    sealedPrivateKey: try sealer.sealPrivateKey(TunnelSamples.replacementKey, forTunnel: tunnel.uuid)
                ))
            let secrets = [TunnelSamples.plaintextKey, TunnelSamples.replacementKey]

            func check(_ bytes: [UInt8], _ moment: String) {
                for secret in secrets {
                    #expect(!contains(bytes, Array(secret)), "\(moment): the plaintext key is on disk")
                    for leak in TunnelSamples.leakForms(of: secret) {
                        #expect(
                            !contains(bytes, Array(leak.utf8)), "\(moment): an encoding of the plaintext key is on disk"
                        )
                    }
                }
            }

            // While open, recent writes live in the -wal file (WAL mode).
            let wal = try #require(
                FileManager.default.contents(atPath: path + "-wal"), "no -wal file: not in WAL mode?")
            let main = FileManager.default.contents(atPath: path) ?? Data()
            let everything = Array(main) + Array(wal)
            #expect(contains(everything, Array(replaced.sealedPrivateKey)), "the ciphertext should be on disk")
            #expect(contains(everything, Array(other.sealedPrivateKey)), "the ciphertext should be on disk")
            check(everything, "open")

            try await store.close()
            let closed =
                Array(FileManager.default.contents(atPath: path) ?? Data())
                + Array(FileManager.default.contents(atPath: path + "-wal") ?? Data())
            #expect(contains(closed, Array(other.sealedPrivateKey)), "the ciphertext should be on disk")
            check(closed, "closed")
        }
    }

    @Test("a new database file is readable by its owner only")
    func filePermissions() async throws {
        try await StoreFixture.with(.sqlite) { fixture in
            let path = try #require(fixture.sqlitePath)
            try await withStore(fixture) { _ in }
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            let mode = try #require(attributes[.posixPermissions] as? NSNumber).intValue
            #expect(mode & 0o077 == 0, "mode \(String(mode, radix: 8))")
        }
    }

    @Test("a missing directory is a clear error")
    func missingDirectory() async {
        let path = "/nonexistent-\(UUID().uuidString)/store.sqlite"
        let error = await #expect(throws: StoreError.self) {
            try await StoreFactory.open(.sqlite(path: path), logger: quietLogger)
        }
        #expect(error?.kind == .connectionFailed)
        #expect(error?.message.contains("does not exist") == true, "\(error?.message ?? "")")
    }

    @Test("a file that is not a database is a clear error")
    func notADatabase() async throws {
        try await StoreFixture.with(.sqlite) { fixture in
            let path = try #require(fixture.sqlitePath)
            try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
            let error = await #expect(throws: StoreError.self) { try await fixture.open() }
            #expect(error?.message.contains(path) == true, "\(error?.message ?? "")")
        }
    }

    @Test("an in-memory store works and starts empty")
    func memory() async throws {
        let store = try await StoreFactory.open(try StoreLocation.parse("sqlite::memory:"), logger: quietLogger)
        #expect(try await store.companyCount() == 0)
        let company = try await store.createCompany(name: "Ephemeral")
        let issued = try await store.issueKey(for: company.uuid)
        #expect(try await store.authenticate(key: issued.secret) == company)
        try await store.close()
    }
}
