import Foundation
import NIOCore
import SQLiteNIO

/// SSH tunnels.
extension SQLiteStore {
    func createTunnel(_ record: SSHTunnelRecord) async throws -> SSHTunnelRecord {
        let now = StoreTime.nowMillis()
        let record = try TunnelValidation.validated(record, createdAt: now)
        let binds: [SQLiteData] = [
            .text(StoreUUID.text(record.uuid)), .text(StoreUUID.text(record.companyUUID)),
            record.environmentUUID.map { .text(StoreUUID.text($0)) } ?? .null,
            .text(record.name), .text(record.host), .integer(record.port), .text(record.username),
            .text(record.publicKey),
            .blob(ByteBuffer(bytes: record.sealedPrivateKey)), record.hostKeyFingerprint.map { .text($0) } ?? .null,
            .integer(Int(now)), .integer(Int(now)),
        ]
        try await run("create an SSH tunnel") { db in
            guard try await Self.execute(db, SQLiteSQL.insertTunnel, binds).isEmpty else { return }
            guard try await Self.company(uuid: record.companyUUID, in: db) != nil else {
                throw StoreError(.companyNotFound, "No company with UUID \(StoreUUID.text(record.companyUUID)).")
            }
            throw StoreError(.invalidInput, "An SSH tunnel with UUID \(StoreUUID.text(record.uuid)) already exists.")
        }
        return record
    }

    func tunnel(uuid: UUID, companyUUID: UUID) async throws -> SSHTunnelRecord? {
        try await run("read an SSH tunnel") { db in
            try await Self.tunnel(uuid: uuid, companyUUID: companyUUID, in: db)
        }
    }

    func tunnels(for companyUUID: UUID) async throws -> [SSHTunnelRecord] {
        try await run("list SSH tunnels") { db in
            try await Self.execute(db, SQLiteSQL.selectTunnels, [.text(StoreUUID.text(companyUUID))]).map(
                Self.tunnel(from:))
        }
    }

    func updateTunnel(uuid: UUID, companyUUID: UUID, changes: SSHTunnelChanges) async throws -> SSHTunnelRecord? {
        let changes = try TunnelValidation.validated(changes)
        guard !changes.isEmpty else { return try await tunnel(uuid: uuid, companyUUID: companyUUID) }
        return try await run("update an SSH tunnel") { db in
            let rows = try await Self.execute(
                db, SQLiteSQL.updateTunnel,
                [
                    .text(StoreUUID.text(uuid)), .text(StoreUUID.text(companyUUID)),
                    changes.name.map { .text($0) } ?? .null, changes.host.map { .text($0) } ?? .null,
                    changes.port.map { .integer($0) } ?? .null, changes.username.map { .text($0) } ?? .null,
                    .integer(Int(StoreTime.nowMillis())),
                ])
            return try rows.first.map(Self.tunnel(from:))
        }
    }

    func replaceTunnelKey(uuid: UUID, companyUUID: UUID, publicKey: String, sealedPrivateKey: Data) async throws
        -> SSHTunnelRecord?
    {
        let publicKey = try TunnelValidation.publicKey(publicKey)
        let sealedPrivateKey = try TunnelValidation.sealedKey(sealedPrivateKey)
        return try await run("replace an SSH tunnel's key") { db in
            let rows = try await Self.execute(
                db, SQLiteSQL.replaceTunnelKey,
                [
                    .text(StoreUUID.text(uuid)), .text(StoreUUID.text(companyUUID)),
                    .text(publicKey), .blob(ByteBuffer(bytes: sealedPrivateKey)), .integer(Int(StoreTime.nowMillis())),
                ])
            return try rows.first.map(Self.tunnel(from:))
        }
    }

    func pinTunnelHostKey(uuid: UUID, companyUUID: UUID, fingerprint: String?, onlyIfUnset: Bool) async throws
        -> SSHTunnelRecord?
    {
        let fingerprint = try fingerprint.map(TunnelValidation.fingerprint)
        if onlyIfUnset, fingerprint == nil { return try await tunnel(uuid: uuid, companyUUID: companyUUID) }
        return try await run("pin an SSH tunnel's host key") { db in
            let rows = try await Self.execute(
                db, onlyIfUnset ? SQLiteSQL.pinTunnelHostKeyIfUnset : SQLiteSQL.pinTunnelHostKey,
                [
                    .text(StoreUUID.text(uuid)), .text(StoreUUID.text(companyUUID)),
                    fingerprint.map { .text($0) } ?? .null, .integer(Int(StoreTime.nowMillis())),
                ])
            if let row = rows.first { return try Self.tunnel(from: row) }
            // Not updated: no such tunnel, or (onlyIfUnset) a key is already pinned; report the tunnel as it is.
            return try await Self.tunnel(uuid: uuid, companyUUID: companyUUID, in: db)
        }
    }

    func deleteTunnel(uuid: UUID, companyUUID: UUID) async throws -> Bool {
        try await run("delete an SSH tunnel") { db in
            try await !Self.execute(
                db, SQLiteSQL.deleteTunnel, [.text(StoreUUID.text(uuid)), .text(StoreUUID.text(companyUUID))]
            ).isEmpty
        }
    }

    /// The tunnel with `uuid` of company `companyUUID`, read on `db` (inside an operation already holding the gate).
    static func tunnel(uuid: UUID, companyUUID: UUID, in db: SQLiteConnection) async throws -> SSHTunnelRecord? {
        let rows = try await execute(
            db, SQLiteSQL.selectTunnel, [.text(StoreUUID.text(uuid)), .text(StoreUUID.text(companyUUID))])
        return try rows.first.map(tunnel(from:))
    }
}
