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
    /// Authenticated bastion connections shared by pings through the same tunnel for a few seconds.
    public let sessions: SSHSessionPool

    public init(store: any PreflightStore, sealer: SecretSealer, sessions: SSHSessionPool = SSHSessionPool()) {
        self.store = store
        self.sealer = sealer
        self.sessions = sessions
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
        // Without a name, the host (cut to the 200 characters a name may have).
        let name = try Self.validName(name) ?? String(host.prefix(200))
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
        if let fingerprint, !fingerprint.isEmpty {
            guard SSHFingerprint.isWellFormed(fingerprint) else {
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

    /// Pins the host key a ping met on first use through `uuid` (one an agent ran: the control plane
    /// learns it from the report), unless a key is pinned already.
    public func learnHostKey(_ uuid: UUID, company: UUID, fingerprint: String) async {
        _ = try? await store.pinTunnelHostKey(
            uuid: uuid, companyUUID: company, fingerprint: fingerprint, onlyIfUnset: true)
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
        return SSHTunnelOpener(spec: spec, sessions: sessions) { fingerprint in
            _ = try? await store.pinTunnelHostKey(
                uuid: tunnel.uuid, companyUUID: tunnel.companyUUID, fingerprint: fingerprint, onlyIfUnset: true)
        }
    }

    static func keyComment(uuid: UUID, name: String) -> String {
        let safe = name.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }
        return "preflight-tunnel-" + String(safe.prefix(40)) + "-" + String(uuid.uuidString.lowercased().prefix(8))
    }

    static func validHost(_ host: String?) throws -> String {
        guard let host, !host.isEmpty else { throw ServiceRequestError(message: "host is required") }
        let valid: String
        do { valid = try SharedConfig.validateHost(host, key: "host") } catch {
            throw ServiceRequestError(message: error.message)
        }
        // Then exactly the form openapi.yaml declares (no surrounding spaces, ASCII names).
        guard host.count <= 253, (try? TunnelFieldForms.host.wholeMatch(in: host)) != nil else {
            throw ServiceRequestError(
                message:
                    "host must be a host name (ASCII letters, digits, '-' and '_' in dot-separated labels; an internationalised name in its xn-- form) or an IP address, at most 253 characters, without spaces"
            )
        }
        return valid
    }

    static func validUsername(_ username: String?) throws -> String {
        guard let username, !username.isEmpty else { throw ServiceRequestError(message: "username is required") }
        guard (try? TunnelFieldForms.username.wholeMatch(in: username)) != nil else {
            throw ServiceRequestError(
                message:
                    "username must be a login name: 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-', not starting with '-'")
        }
        return username
    }

    static func validPort(_ port: Int) throws -> Int {
        guard allowedPorts.contains(port) else {
            throw ServiceRequestError(message: "port must be from 22 to 65535, got \(port)")
        }
        return port
    }

    /// A name of at most 200 characters (Unicode scalars) without control or format characters; blank
    /// means none (the host is used).
    static func validName(_ name: String?) throws -> String? {
        guard let name else { return nil }
        guard name.unicodeScalars.count <= 200 else {
            throw ServiceRequestError(message: "name must be at most 200 characters")
        }
        guard !TunnelFieldForms.hasControlOrFormat(name) else {
            throw ServiceRequestError(
                message: "name must not contain control or invisible formatting characters (line breaks, tabs, ...)")
        }
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}
