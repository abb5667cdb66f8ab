import Foundation
import PostgresNIO

/// SSH tunnels.
extension PostgresStore {
    func createTunnel(_ record: SSHTunnelRecord) async throws -> SSHTunnelRecord {
        let now = StoreTime.nowMillis()
        let record = try TunnelValidation.validated(record, createdAt: now)
        var binds = PostgresBindings()
        binds.append(StoreUUID.text(record.uuid))
        binds.append(StoreUUID.text(record.companyUUID))
        binds.append(record.environmentUUID.map(StoreUUID.text))
        binds.append(record.name)
        binds.append(record.host)
        binds.append(Int32(record.port))
        binds.append(record.username)
        binds.append(record.publicKey)
        try binds.append(record.sealedPrivateKey)
        binds.append(record.hostKeyFingerprint)
        binds.append(now)
        binds.append(now)
        guard try await rows(PostgresSQL.insertTunnel, binds, "create an SSH tunnel").isEmpty else { return record }
        guard try await company(uuid: record.companyUUID) != nil else {
            throw StoreError(.companyNotFound, "No company with UUID \(StoreUUID.text(record.companyUUID)).")
        }
        throw StoreError(.invalidInput, "An SSH tunnel with UUID \(StoreUUID.text(record.uuid)) already exists.")
    }

    func tunnel(uuid: UUID, companyUUID: UUID) async throws -> SSHTunnelRecord? {
        let rows = try await rows(PostgresSQL.selectTunnel, Self.scope(uuid, companyUUID), "read an SSH tunnel")
        return try decode("read an SSH tunnel") { try rows.first.map(Self.tunnel(from:)) }
    }

    func tunnels(for companyUUID: UUID) async throws -> [SSHTunnelRecord] {
        var binds = PostgresBindings()
        binds.append(StoreUUID.text(companyUUID))
        let rows = try await rows(PostgresSQL.selectTunnels, binds, "list SSH tunnels")
        return try decode("list SSH tunnels") { try rows.map(Self.tunnel(from:)) }
    }

    func updateTunnel(uuid: UUID, companyUUID: UUID, changes: SSHTunnelChanges) async throws -> SSHTunnelRecord? {
        let changes = try TunnelValidation.validated(changes)
        guard !changes.isEmpty else { return try await tunnel(uuid: uuid, companyUUID: companyUUID) }
        var binds = Self.scope(uuid, companyUUID)
        binds.append(changes.name)
        binds.append(changes.host)
        binds.append(changes.port.map(Int32.init))
        binds.append(changes.username)
        binds.append(StoreTime.nowMillis())
        let rows = try await rows(PostgresSQL.updateTunnel, binds, "update an SSH tunnel")
        return try decode("update an SSH tunnel") { try rows.first.map(Self.tunnel(from:)) }
    }

    func replaceTunnelKey(uuid: UUID, companyUUID: UUID, publicKey: String, sealedPrivateKey: Data) async throws
        -> SSHTunnelRecord?
    {
        var binds = Self.scope(uuid, companyUUID)
        binds.append(try TunnelValidation.publicKey(publicKey))
        try binds.append(TunnelValidation.sealedKey(sealedPrivateKey))
        binds.append(StoreTime.nowMillis())
        let rows = try await rows(PostgresSQL.replaceTunnelKey, binds, "replace an SSH tunnel's key")
        return try decode("replace an SSH tunnel's key") { try rows.first.map(Self.tunnel(from:)) }
    }

    func pinTunnelHostKey(uuid: UUID, companyUUID: UUID, fingerprint: String?, onlyIfUnset: Bool) async throws
        -> SSHTunnelRecord?
    {
        let fingerprint = try fingerprint.map(TunnelValidation.fingerprint)
        if onlyIfUnset, fingerprint == nil { return try await tunnel(uuid: uuid, companyUUID: companyUUID) }
        var binds = Self.scope(uuid, companyUUID)
        binds.append(fingerprint)
        binds.append(StoreTime.nowMillis())
        let sql = onlyIfUnset ? PostgresSQL.pinTunnelHostKeyIfUnset : PostgresSQL.pinTunnelHostKey
        let rows = try await rows(sql, binds, "pin an SSH tunnel's host key")
        if let row = rows.first {
            return try decode("pin an SSH tunnel's host key") { try Self.tunnel(from: row) }
        }
        // Not updated: no such tunnel, or (onlyIfUnset) a key is already pinned. A new statement (a new
        // snapshot) reports the tunnel as it is now, including a pin that just won the race.
        return try await tunnel(uuid: uuid, companyUUID: companyUUID)
    }

    func deleteTunnel(uuid: UUID, companyUUID: UUID) async throws -> Bool {
        try await !rows(PostgresSQL.deleteTunnel, Self.scope(uuid, companyUUID), "delete an SSH tunnel").isEmpty
    }

    /// Binds: a tunnel's uuid, then its company's.
    static func scope(_ uuid: UUID, _ companyUUID: UUID) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(StoreUUID.text(uuid))
        binds.append(StoreUUID.text(companyUUID))
        return binds
    }
}
