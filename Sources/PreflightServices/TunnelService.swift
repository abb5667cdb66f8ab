public import Foundation
import PreflightCore
public import PreflightSSH
public import PreflightStore

/// Why a request to a service (a tunnel, a key) cannot be done as asked (a 400 in the API, exit 3 in the CLI).
public struct ServiceRequestError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// SSH tunnels of one company at a time: creation with a fresh Ed25519 pair (the private half sealed
/// with the master key), edits, key rotation, host-key trust, and the opener a ping goes through.
/// Shared by the HTTP API and the CLI; every method is scoped to `company`, so another company's
/// tunnel behaves exactly like a missing one.
public struct TunnelService: Sendable {
    public let store: any PreflightStore
    public let sealer: SecretSealer

    public init(store: any PreflightStore, sealer: SecretSealer) {
        self.store = store
        self.sealer = sealer
    }

    /// Artie's rule for tunnel ports.
    public static let allowedPorts = 22...65535

    /// Creates a tunnel; `name` defaults to the host.
    public func create(
        company: UUID, name: String?, host: String?, port: Int?, username: String?, environmentUUID: UUID? = nil
    ) async throws -> SSHTunnelRecord {
        let host = try Self.validHost(host)
        let username = try Self.validUsername(username)
        let port = try Self.validPort(port ?? 22)
        let name = try Self.validName(name) ?? host
        let uuid = UUID()
        let pair = SSHKeyPair.generateEd25519(comment: Self.keyComment(uuid: uuid, name: name))
        let sealed = try sealer.sealPrivateKey(pair.privateKeyRaw, forTunnel: uuid)
        return try await store.createTunnel(
            SSHTunnelRecord(
                uuid: uuid, companyUUID: company, environmentUUID: environmentUUID, name: name, host: host, port: port,
                username: username, publicKey: pair.authorizedKey, sealedPrivateKey: sealed))
    }

    public func get(_ uuid: UUID, company: UUID) async throws -> SSHTunnelRecord? {
        try await store.tunnel(uuid: uuid, companyUUID: company)
    }

    public func list(company: UUID) async throws -> [SSHTunnelRecord] {
        try await store.tunnels(for: company)
    }

    /// Changes the given fields; nil when there is no such tunnel for this company.
    public func update(
        _ uuid: UUID, company: UUID, name: String?, host: String?, port: Int?, username: String?
    ) async throws -> SSHTunnelRecord? {
        var changes = SSHTunnelChanges()
        if let name { changes.name = try Self.validName(name) }
        if let host { changes.host = try Self.validHost(host) }
        if let port { changes.port = try Self.validPort(port) }
        if let username { changes.username = try Self.validUsername(username) }
        guard !changes.isEmpty else { return try await get(uuid, company: company) }
        return try await store.updateTunnel(uuid: uuid, companyUUID: company, changes: changes)
    }

    public func delete(_ uuid: UUID, company: UUID) async throws -> Bool {
        try await store.deleteTunnel(uuid: uuid, companyUUID: company)
    }

    /// Issues a new key pair; the old private key is gone.
    public func rotateKey(_ uuid: UUID, company: UUID) async throws -> SSHTunnelRecord? {
        guard let tunnel = try await get(uuid, company: company) else { return nil }
        let pair = SSHKeyPair.generateEd25519(comment: Self.keyComment(uuid: uuid, name: tunnel.name))
        let sealed = try sealer.sealPrivateKey(pair.privateKeyRaw, forTunnel: uuid)
        return try await store.replaceTunnelKey(
            uuid: uuid, companyUUID: company, publicKey: pair.authorizedKey, sealedPrivateKey: sealed)
    }

    /// Pins `fingerprint` (or clears the pin, so the next connection pins what it sees).
    public func trustHostKey(_ uuid: UUID, company: UUID, fingerprint: String?) async throws -> SSHTunnelRecord? {
        var pinned: String?
        if let fingerprint = fingerprint?.trimmingCharacters(in: .whitespaces), !fingerprint.isEmpty {
            guard fingerprint.hasPrefix("SHA256:"), fingerprint.count == 50 else {
                throw ServiceRequestError(
                    message:
                        "hostKeyFingerprint must look like SHA256:<43 base64 characters>, as `ssh-keygen -l -f KEY.pub` prints it"
                )
            }
            pinned = fingerprint
        }
        return try await store.pinTunnelHostKey(
            uuid: uuid, companyUUID: company, fingerprint: pinned, onlyIfUnset: false)
    }

    /// The way through `tunnel` for a ping; the first successful connection pins the bastion's host key.
    public func opener(for tunnel: SSHTunnelRecord) throws -> SSHTunnelOpener {
        let raw = try sealer.openPrivateKey(of: tunnel)
        let key = try SSHKeyPair(privateKeyRaw: raw, comment: "").nioKey()
        let store = self.store
        let spec = SSHTunnelSpec(
            host: tunnel.host, port: tunnel.port, username: tunnel.username, privateKey: key,
            authorizedKey: tunnel.publicKey, pinnedHostKey: tunnel.hostKeyFingerprint,
            label: "tunnel \(tunnel.uuid.uuidString.lowercased()) (\(tunnel.name))",
            acceptHostKeyHint:
                "POST /ssh-tunnels/\(tunnel.uuid.uuidString.lowercased())/trust-host-key, or `preflight tunnels trust-host-key`"
        )
        return SSHTunnelOpener(spec: spec) { fingerprint in
            _ = try? await store.pinTunnelHostKey(
                uuid: tunnel.uuid, companyUUID: tunnel.companyUUID, fingerprint: fingerprint, onlyIfUnset: true)
        }
    }

    static func keyComment(uuid: UUID, name: String) -> String {
        let safe = name.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }
        return "preflight-tunnel-" + String(safe.prefix(40)) + "-" + String(uuid.uuidString.lowercased().prefix(8))
    }

    static func validHost(_ host: String?) throws -> String {
        guard let raw = host?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else {
            throw ServiceRequestError(message: "host is required")
        }
        do { return try SharedConfig.validateHost(raw, key: "host") } catch {
            throw ServiceRequestError(message: error.message)
        }
    }

    static func validUsername(_ username: String?) throws -> String {
        guard let name = username?.trimmingCharacters(in: .whitespacesAndNewlines), !name.isEmpty else {
            throw ServiceRequestError(message: "username is required")
        }
        guard name.count <= 64, !name.contains(where: { $0.isWhitespace || $0 == "@" || $0 == ":" || $0 == "/" }) else {
            throw ServiceRequestError(
                message: "username must be a login name (at most 64 characters, no spaces, '@', ':' or '/')")
        }
        return name
    }

    static func validPort(_ port: Int) throws -> Int {
        guard allowedPorts.contains(port) else {
            throw ServiceRequestError(message: "port must be from 22 to 65535, got \(port)")
        }
        return port
    }

    static func validName(_ name: String?) throws -> String? {
        guard let name = name?.trimmingCharacters(in: .whitespacesAndNewlines), !name.isEmpty else { return nil }
        guard name.count <= 200 else { throw ServiceRequestError(message: "name must be at most 200 characters") }
        return name
    }
}
