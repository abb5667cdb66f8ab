import Testing

@testable import PreflightStore

@Suite("Migration list")
struct MigrationsTests {
    @Test("the shipped migrations are valid")
    func shippedListIsValid() throws {
        try Migrations.validate()
        #expect(Migrations.latestVersion == Migrations.all.map(\.version).max())
    }

    @Test("out-of-order or one-sided migrations are rejected")
    func invalidLists() {
        let good = Migration(version: 1, name: "one", sqlite: ["x"], postgres: ["x"])
        let lists: [[Migration]] = [
            [good, Migration(version: 1, name: "dup", sqlite: ["x"], postgres: ["x"])],
            [Migration(version: 2, name: "two", sqlite: ["x"], postgres: ["x"]), good],
            [Migration(version: 0, name: "zero", sqlite: ["x"], postgres: ["x"])],
            [good, Migration(version: 2, name: "no postgres", sqlite: ["x"], postgres: [])],
        ]
        for list in lists {
            #expect(throws: StoreError.self) { try Migrations.validate(list) }
        }
    }

    @Test("pending migrations skip applied ones and tolerate newer versions")
    func pending() {
        #expect(Migrations.pending(applied: [], logger: quietLogger).map(\.version) == Migrations.all.map(\.version))
        #expect(Migrations.pending(applied: Set(Migrations.all.map(\.version)), logger: quietLogger).isEmpty)
        #expect(Migrations.pending(applied: Set(Migrations.all.map(\.version) + [9999]), logger: quietLogger).isEmpty)
    }
}
